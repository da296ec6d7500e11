import type {
  ClaimCommitter,
  ClaimPlanner,
  ClaimRead,
  ClaimTicket,
} from '../../claim-committer.ts';
import { claimUnderLocks } from '../../claim.locked.ts';
import { claimsRepo, type CommitStatus, type DecidedClaim } from '../../repos/claims.repo.ts';
import { notificationsRepo } from '../../repos/notifications.repo.ts';
import { webhooksRepo } from '../../repos/webhooks.repo.ts';
import type { Store } from '../../store.ts';
import { WriteBatcher } from '../../write-batcher.ts';

type ReadRequest = { siteId: string; userId: string; serial: string };

/**
 * PostgreSQL: a claim is read without locks and committed by a statement that checks the read
 * still holds (functions.ts): two statements instead of a transaction's eight, each shared with
 * the claims that arrive in the same turn of the event loop (group commit). A claim whose read
 * went stale, or that found a scope full, is planned again in a transaction of its own that
 * reads under locks: the committer's guarantees hold either way (claim-committer.ts).
 */
export function postgresClaimCommitter(
  store: Pick<Store, 'db' | 'dialect' | 'transaction'>,
): ClaimCommitter {
  const claims = claimsRepo(store.db, store.dialect);
  // A batch that throws is run again one claim at a time (WriteBatcher).
  const reader = new WriteBatcher(
    (requests: ReadRequest[]) => claims.readForClaims(requests),
    async (request: ReadRequest) => (await claims.readForClaims([request]))[0],
    64,
  );
  const committer = new WriteBatcher<DecidedClaim, CommitStatus>(
    (decided) => claims.commitDecided(decided),
    async (decided) => (await claims.commitDecided([decided]))[0]!,
    64,
  );
  const recipientsOf = (siteId: string) => notificationsRepo(store.db).recipientsOf(siteId);
  const webhookEndpointsOf = (companyIds: readonly string[]) =>
    webhooksRepo(store.db).webhookEndpointsOf(companyIds);

  return {
    async read(ticket) {
      const read = await reader.add({
        siteId: ticket.siteId,
        userId: ticket.userId,
        serial: ticket.serialNumber,
      });
      return read
        ? { site: read.site, ahead: { device: read.device, hasWebhooks: read.hasWebhooks } }
        : undefined;
    },
    async commit<R>(ticket: ClaimTicket, read: ClaimRead, plan: ClaimPlanner<R>): Promise<R> {
      if (read.ahead) {
        const { device, hasWebhooks } = read.ahead;
        const { result, writes } = await plan({
          site: read.site,
          device,
          limited: null,
          recipientsOf,
          // Without an endpoint at the read, none is read: no statement more per claim. One
          // created since the read misses this claim (docs/decisions/20-webhooks.md).
          webhookEndpointsOf: async (companyIds) =>
            hasWebhooks ? webhookEndpointsOf(companyIds) : [],
        });
        const status = await committer.add({
          expected: { serialNumber: ticket.serialNumber, device },
          scopes: ticket.scopes,
          failureScopes: ticket.failureScopes,
          limit: ticket.limit,
          writes,
          now: ticket.now.toISOString(),
        });
        if (status === 'committed') return result;
      }
      // What changed since the read, or a full scope, is decided anew under locks.
      return store.transaction((trx) =>
        claimUnderLocks(trx, store.dialect, ticket, read.site, plan),
      );
    },
  };
}
