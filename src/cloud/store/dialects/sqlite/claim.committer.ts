import type {
  ClaimCommitter,
  ClaimPlanner,
  ClaimRead,
  ClaimTicket,
} from '../../claim-committer.ts';
import { claimUnderLocks } from '../../claim.locked.ts';
import { sitesRepo } from '../../repos/sites.repo.ts';
import type { Executor } from '../../schema.ts';
import type { Store } from '../../store.ts';
import { batchedTransactions } from '../../write-batcher.ts';

type ClaimWork = (trx: Executor) => Promise<unknown>;

/**
 * SQLite: the site is read first, and the device and rate-limit scopes in the claim's write
 * transaction, where nothing else writes meanwhile (one connection). Claims that arrive in the
 * same turn of the event loop share one transaction and one commit, each run in order as if
 * alone; if one throws, each is run again alone (WriteBatcher).
 */
export function sqliteClaimCommitter(
  store: Pick<Store, 'db' | 'dialect' | 'transaction'>,
): ClaimCommitter {
  const grouped = batchedTransactions(
    store,
    async (trx, works: ClaimWork[]) => {
      const results = [];
      for (const work of works) results.push(await work(trx));
      return results;
    },
    64,
  );
  return {
    async read(ticket) {
      const site = await sitesRepo(store.db).findAccessible(ticket.siteId, ticket.userId);
      return site ? { site, ahead: null } : undefined;
    },
    commit<R>(ticket: ClaimTicket, read: ClaimRead, plan: ClaimPlanner<R>) {
      return grouped.add((trx) =>
        claimUnderLocks(trx, store.dialect, ticket, read.site, plan),
      ) as Promise<R>;
    },
  };
}
