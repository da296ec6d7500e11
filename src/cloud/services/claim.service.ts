import { decideClaim, type ClaimDecision } from '../../core/claim.rules.ts';
import { LatchkeyError, type ErrorCode } from '../../core/errors.ts';
import { matchSecurityCode, type SecurityCode } from '../../core/security-code.rules.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { attemptsRepo } from '../store/repos/attempts.repo.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import { sitesRepo } from '../store/repos/sites.repo.ts';
import type { Executor } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';
import { auditRow, type AuditEntry } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import { movedAwayNotification, notificationRows } from './notifications.service.ts';
import { batchedTransactions } from './write-batcher.ts';
import { assertUnderLimit, type RateLimitPolicy, type Scope } from './rate-limit.ts';
import { publicDevice } from './sites.service.ts';

// Refusals that mean a wrong serial or code: only these count toward the rate limits, so that
// guessing is throttled while "already added" answers (the code was right) never lock anyone out.
const GUESS_FAILURES: ReadonlySet<ErrorCode> = new Set([
  'SERIAL_NOT_FOUND',
  'SECURITY_CODE_INVALID',
  'SECURITY_CODE_REPLACED',
]);

export interface ClaimServiceDeps {
  store: Store;
  clock: Clock;
  deviceSecrets: SecretBox;
  limits: RateLimitPolicy;
  events: CloudEventBus;
}

export interface ClaimRequest {
  actor: Actor;
  siteId: string;
  serialNumber: SerialNumber;
  securityCode: SecurityCode;
}

/** Adding a device to a site by serial number and security code, and moving it (claim rules). */
export function createClaimService(deps: ClaimServiceDeps) {
  const { store, clock } = deps;

  const scopesOf = (request: ClaimRequest): Scope[] => [
    { scope: 'claim-account', key: request.actor.userId },
    { scope: 'claim-ip', key: request.actor.ip },
    { scope: 'claim-serial', key: request.serialNumber },
  ];

  async function refuse(
    trx: Executor,
    request: ClaimRequest,
    companyId: string,
    code: ErrorCode,
    now: Date,
  ): Promise<LatchkeyError> {
    await auditRepo(trx).insertMany([
      auditRow(
        {
          companyId,
          siteId: request.siteId,
          actor: request.actor,
          action: 'device.claim',
          outcome: 'refused',
          errorCode: code,
          serialNumber: request.serialNumber,
        },
        iso(now),
      ),
    ]);
    if (GUESS_FAILURES.has(code))
      await attemptsRepo(trx, store.dialect).record(scopesOf(request), iso(now));
    return new LatchkeyError(code);
  }

  async function apply(
    trx: Executor,
    request: ClaimRequest,
    site: { id: string; company_id: string; name: string },
    decision: Exclude<ClaimDecision, { outcome: 'refused' }>,
    device: {
      known_generation: number;
      owner: { site_id: string; company_id: string; site_name: string } | null;
    },
    now: string,
  ) {
    const previous = device.owner;
    const devices = devicesRepo(trx, store.dialect);
    const ownership = {
      serial_number: request.serialNumber,
      site_id: site.id,
      claimed_generation: decision.generation,
      claimed_at: now,
      claimed_by: request.actor.userId,
    };
    const base: Omit<AuditEntry, 'companyId' | 'siteId' | 'action'> = {
      actor: request.actor,
      outcome: 'success',
      serialNumber: request.serialNumber,
    };
    if (decision.outcome === 'added') {
      await devices.insertOwnership(ownership);
      await auditRepo(trx).insertMany([
        auditRow(
          { ...base, companyId: site.company_id, siteId: site.id, action: 'device.added' },
          now,
        ),
      ]);
    } else {
      if (!previous) throw new Error('a move needs the previous owner');
      await devices.replaceOwnership(ownership);
      await auditRepo(trx).insertMany([
        auditRow(
          {
            ...base,
            companyId: site.company_id,
            siteId: site.id,
            action: 'device.moved-in',
            detail: { fromAnotherAccount: previous.company_id !== site.company_id },
          },
          now,
        ),
        auditRow(
          {
            ...base,
            // Who took it, and from where, is another company's business (tenant isolation).
            actor: previous.company_id === site.company_id ? request.actor : null,
            companyId: previous.company_id,
            siteId: previous.site_id,
            action: 'device.moved-away',
            detail: { reason: 'security code regenerated on the device' },
          },
          now,
        ),
      ]);
      const recipients = await companiesRepo(trx).memberUserIds(previous.company_id);
      await notificationsRepo(trx).insertMany(
        notificationRows(
          recipients,
          movedAwayNotification(
            request.serialNumber,
            { id: previous.site_id, name: previous.site_name },
            previous.company_id === site.company_id ? { name: site.name } : null,
          ),
          now,
        ),
      );
    }
    // The row is locked and read in this transaction: most claims present the known
    // generation, and an update that would change nothing is a statement saved.
    if (decision.knownGeneration > device.known_generation)
      await devices.raiseKnownGeneration(request.serialNumber, decision.knownGeneration);
  }

  /** The claim's transaction: its decision and what it writes (refusals are written too). */
  async function claimIn(
    trx: Executor,
    request: ClaimRequest,
    site: { id: string; company_id: string; name: string },
    now: Date,
  ) {
    // The device row first, then the rate-limit scopes: every claim locks in this order
    // (PostgreSQL), so the scopes are held only from their check to the commit.
    const device = await devicesRepo(trx, store.dialect).findForClaim(request.serialNumber);
    try {
      await assertUnderLimit(trx, store.dialect, scopesOf(request), deps.limits, now);
    } catch (error) {
      await auditRepo(trx).insertMany([
        auditRow(
          {
            companyId: site.company_id,
            siteId: site.id,
            actor: request.actor,
            action: 'device.claim',
            outcome: 'refused',
            errorCode: 'TOO_MANY_ATTEMPTS',
            serialNumber: request.serialNumber,
          },
          iso(now),
        ),
      ]);
      return { error: error as LatchkeyError };
    }
    const presentedGeneration = device
      ? matchSecurityCode(
          deps.deviceSecrets.open(device.secret_enc, device.serial_number),
          request.serialNumber,
          request.securityCode,
          device.known_generation,
        )
      : null;
    const decision = decideClaim({
      targetSiteId: site.id,
      presentedGeneration,
      device: device
        ? {
            knownGeneration: device.known_generation,
            owner: device.owner
              ? {
                  siteId: device.owner.site_id,
                  claimedGeneration: device.owner.claimed_generation,
                }
              : null,
          }
        : null,
    });
    if (decision.outcome === 'refused') {
      return { error: await refuse(trx, request, site.company_id, decision.code, now) };
    }
    await apply(trx, request, site, decision, device!, iso(now));
    // The row read under the lock is still current: a claim changes ownership, not the row.
    return { outcome: decision.outcome, device: device! };
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
      const site = await sitesRepo(store.db).findAccessible(request.siteId, request.actor.userId);
      if (!site) throw new LatchkeyError('SITE_NOT_FOUND');
      const result = await inTransaction((trx) => claimIn(trx, request, site, now));
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
