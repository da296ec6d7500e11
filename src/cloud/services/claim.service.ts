import { LatchkeyError } from '../../core/errors.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { attemptsRepo } from '../store/repos/attempts.repo.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import {
  claimsRepo,
  serialScope,
  type ClaimWrites,
  type CommitStatus,
  type DecidedClaim,
} from '../store/repos/claims.repo.ts';
import { devicesRepo, type ClaimDevice } from '../store/repos/devices.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import { sitesRepo } from '../store/repos/sites.repo.ts';
import type { Executor } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { planClaim, type ClaimRequest, type ClaimResult, type ClaimSite } from './claim.plan.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import { batchedTransactions, WriteBatcher } from './write-batcher.ts';
import { limitReached, windowStart, type RateLimitPolicy, type Scope } from './rate-limit.ts';
import { publicDevice } from './sites.service.ts';

export interface ClaimServiceDeps {
  store: Store;
  clock: Clock;
  deviceSecrets: SecretBox;
  limits: RateLimitPolicy;
  events: CloudEventBus;
}

export type { ClaimRequest };

/** Adding a device to a site by serial number and security code, and moving it (claim rules). */
export function createClaimService(deps: ClaimServiceDeps) {
  const { store, clock } = deps;

  // Claim rules: limited per account and per address only. A failure is also counted under the
  // serial, for the owner's notice, never to refuse: an 80-bit code cannot be guessed online,
  // and a per-serial limit would let strangers lock the owner out.
  const scopesOf = (request: ClaimRequest): Scope[] => [
    { scope: 'claim-account', key: request.actor.userId },
    { scope: 'claim-ip', key: request.actor.ip },
  ];
  const failureScopesOf = (request: ClaimRequest): Scope[] => [
    ...scopesOf(request),
    serialScope(request.serialNumber),
  ];
  const limitOf = (now: Date) => ({
    since: windowStart(deps.limits, now),
    maxFailures: deps.limits.maxFailures,
  });

  const planFor = (
    request: ClaimRequest,
    site: ClaimSite,
    device: ClaimDevice | undefined,
    limited: LatchkeyError | null,
    now: string,
    membersOf: (companyId: string) => Promise<string[]>,
  ) =>
    planClaim({
      request,
      site,
      device,
      secret:
        device && !limited
          ? deps.deviceSecrets.open(device.secret_enc, device.serial_number)
          : null,
      limited,
      now,
      membersOf,
    });

  /** A claim's rows, written in the transaction `trx`. */
  async function write(trx: Executor, request: ClaimRequest, writes: ClaimWrites, now: Date) {
    const devices = devicesRepo(trx, store.dialect);
    if (writes.ownership) {
      await (writes.ownership.replaces
        ? devices.replaceOwnership(writes.ownership.row)
        : devices.insertOwnership(writes.ownership.row));
    }
    if (writes.raiseGeneration !== null)
      await devices.raiseKnownGeneration(request.serialNumber, writes.raiseGeneration);
    await auditRepo(trx).insertMany(writes.audit);
    await notificationsRepo(trx).insertMany(writes.notifications);
    if (writes.recordsFailure)
      await attemptsRepo(trx, store.dialect).record(failureScopesOf(request), iso(now));
    if (writes.failureNotice) {
      await claimsRepo(trx, store.dialect).sendFailureNoticeIfDue(
        request.serialNumber,
        writes.failureNotice,
        limitOf(now),
      );
    }
  }

  /** The claim's transaction: it reads under locks, decides, and writes (refusals too). */
  async function claimIn(
    trx: Executor,
    request: ClaimRequest,
    site: ClaimSite,
    now: Date,
  ): Promise<ClaimResult> {
    // The device row first, then the rate-limit scopes: every claim locks in this order
    // (PostgreSQL), so the scopes are held only from their check to the commit.
    const device = await devicesRepo(trx, store.dialect).findForClaim(request.serialNumber);
    const limited = await limitReached(trx, store.dialect, scopesOf(request), deps.limits, now);
    const { result, writes } = await planFor(request, site, device, limited, iso(now), (id) =>
      companiesRepo(trx).memberUserIds(id),
    );
    await write(trx, request, writes, now);
    return result;
  }

  // PostgreSQL: the claims that are ready in the same turn of the event loop are read by one
  // statement, and those decided in the same turn are committed by one statement in one
  // transaction (group commit). A batch that throws is run again one claim at a time.
  const claims = claimsRepo(store.db, store.dialect);
  type ReadRequest = { siteId: string; userId: string; serial: string };
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

  /**
   * The claim read without locks and committed by a statement that checks the read still
   * holds (PostgreSQL): two statements, each shared with the claims that arrive with it,
   * instead of a transaction's eight. The site, or undefined when it is not the person's; a
   * result only when it was committed.
   */
  async function claimOptimistically(request: ClaimRequest, now: Date) {
    const read = await reader.add({
      siteId: request.siteId,
      userId: request.actor.userId,
      serial: request.serialNumber,
    });
    if (!read) return undefined;
    const { result, writes } = await planFor(
      request,
      read.site,
      read.device,
      null,
      iso(now),
      (id) => companiesRepo(store.db).memberUserIds(id),
    );
    const status = await committer.add({
      expected: { serialNumber: request.serialNumber, device: read.device },
      scopes: scopesOf(request),
      failureScopes: failureScopesOf(request),
      limit: limitOf(now),
      writes,
      now: iso(now),
    });
    return { site: read.site, result: status === 'committed' ? result : null };
  }

  type ClaimWork = (trx: Executor) => ReturnType<typeof claimIn>;
  // SQLite runs one write transaction after another anyway: claims that arrive in the same turn
  // of the event loop share one transaction and one commit, each run in order as if alone; if
  // one throws, each is run again alone (WriteBatcher). PostgreSQL runs claims side by side on
  // its pool, so there each keeps a transaction of its own.
  const grouped = store.dialect.serialisesWriters
    ? batchedTransactions(
        store,
        async (trx, works: ClaimWork[]) => {
          const results = [];
          for (const work of works) results.push(await work(trx));
          return results;
        },
        64,
      )
    : null;
  const inTransaction = (work: ClaimWork) =>
    grouped ? grouped.add(work) : store.transaction(work);

  return {
    /** Claims a device; throws a catalog error for every refusal of the claim-rules table. */
    async claim(request: ClaimRequest) {
      const now = clock.now();
      let site: ClaimSite | undefined;
      let result: ClaimResult | null = null;
      if (claims.commitsInOneStatement) {
        const optimistic = await claimOptimistically(request, now);
        site = optimistic?.site;
        result = optimistic?.result ?? null;
      } else {
        site = await sitesRepo(store.db).findAccessible(request.siteId, request.actor.userId);
      }
      if (!site) throw new LatchkeyError('SITE_NOT_FOUND');
      // What changed since the read, or a full scope, is decided anew under locks.
      const target = site;
      result ??= await inTransaction((trx) => claimIn(trx, request, target, now));
      if ('error' in result) throw result.error;

      deps.events.emit('ownership-changed', {
        serialNumber: request.serialNumber,
        siteId: site.id,
        siteName: site.name,
      });
      return {
        outcome: result.outcome,
        device: publicDevice({ ...result.device, claimed_at: iso(now) }),
      };
    },
  };
}

export type ClaimService = ReturnType<typeof createClaimService>;
