import { LatchkeyError } from '../../core/errors.ts';
import type { StoreDialect } from './dialect.ts';
import type { ClaimPlanner, ClaimSite, ClaimTicket } from './claim-committer.ts';
import { attemptsRepo } from './repos/attempts.repo.ts';
import { auditRepo } from './repos/audit.repo.ts';
import { claimsRepo, type ClaimWrites } from './repos/claims.repo.ts';
import { devicesRepo } from './repos/devices.repo.ts';
import { notificationsRepo } from './repos/notifications.repo.ts';
import { webhooksRepo } from './repos/webhooks.repo.ts';
import type { Executor } from './schema.ts';

/**
 * TOO_MANY_ATTEMPTS (with the seconds until the oldest failure leaves the window) when any
 * scope has reached the limit, else null. It locks the scopes first, so simultaneous attempts
 * are counted one after the other until the transaction ends.
 */
async function limitReached(
  trx: Executor,
  dialect: StoreDialect,
  ticket: ClaimTicket,
): Promise<LatchkeyError | null> {
  const { scopes, limit, now } = ticket;
  const attempts = attemptsRepo(trx, dialect);
  await attempts.lock([...scopes]);
  // A scope is full when its limit-th newest failure is inside the window; it frees up when that
  // failure leaves the window (earlier failures left it already or leave it sooner). The
  // PostgreSQL claim function checks the same rule under its own locks (dialects/postgres).
  const limiting = await attempts.limitingFailures([...scopes], limit.since, limit.maxFailures);
  let retryAfterMs = 0;
  for (const failure of limiting) {
    if (failure !== null) {
      const freeAt = new Date(failure).getTime() + limit.windowMs;
      retryAfterMs = Math.max(retryAfterMs, freeAt - now.getTime());
    }
  }
  if (retryAfterMs <= 0) return null;
  return new LatchkeyError('TOO_MANY_ATTEMPTS', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

/** A claim's rows, written in the transaction `trx`. */
async function writeClaim(
  trx: Executor,
  dialect: StoreDialect,
  ticket: ClaimTicket,
  writes: ClaimWrites,
) {
  const devices = devicesRepo(trx, dialect);
  if (writes.ownership) {
    await (writes.ownership.replaces
      ? devices.replaceOwnership(writes.ownership.row)
      : devices.insertOwnership(writes.ownership.row));
  }
  if (writes.raiseGeneration !== null)
    await devices.raiseKnownGeneration(ticket.serialNumber, writes.raiseGeneration);
  await auditRepo(trx).insertMany(writes.audit);
  await notificationsRepo(trx).insertMany(writes.notifications);
  await webhooksRepo(trx).insertDeliveries(writes.webhooks);
  const iso = ticket.now.toISOString();
  if (writes.recordsFailure)
    await attemptsRepo(trx, dialect).record([...ticket.failureScopes], iso);
  if (writes.failureNotice) {
    await claimsRepo(trx, dialect).sendFailureNoticeIfDue(
      ticket.serialNumber,
      writes.failureNotice,
      ticket.limit,
    );
  }
}

/**
 * A claim read under locks, planned and written in the transaction `trx`: how SQLite commits
 * every claim and PostgreSQL the ones whose optimistic read went stale. The device row first,
 * then the rate-limit scopes: every claim locks in this order (PostgreSQL), so the scopes are
 * held only from their check to the commit.
 */
export async function claimUnderLocks<R>(
  trx: Executor,
  dialect: StoreDialect,
  ticket: ClaimTicket,
  site: ClaimSite,
  plan: ClaimPlanner<R>,
): Promise<R> {
  const { device, hasWebhooks } = await devicesRepo(trx, dialect).findForClaimInto(
    ticket.serialNumber,
    site.company_id,
  );
  const limited = await limitReached(trx, dialect, ticket);
  const { result, writes } = await plan({
    site,
    device,
    limited,
    recipientsOf: (siteId) => notificationsRepo(trx).recipientsOf(siteId),
    // Without an endpoint at the read, none is read (issue 20: no statement more per claim).
    webhookEndpointsOf: async (companyIds) =>
      hasWebhooks ? webhooksRepo(trx).webhookEndpointsOf(companyIds) : [],
  });
  await writeClaim(trx, dialect, ticket, writes);
  return result;
}
