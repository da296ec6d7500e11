import { isLatchkeyError, LatchkeyError } from '../../core/errors.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { ClaimCommitter, ClaimTicket, ClaimView } from '../store/claim-committer.ts';
import { serialScope } from '../store/repos/claims.repo.ts';
import type { AccessService } from './access.service.ts';
import { planClaim, type ClaimRequest } from './claim.plan.ts';
import { iso, type Clock } from './clock.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import type { NotificationsTable } from '../store/schema.ts';
import type { CloudEventBus } from './events.ts';
import { windowStart, type RateLimitPolicy, type Scope } from './rate-limit.ts';
import type { ServiceMetrics } from './service-metrics.ts';
import { publicDevice } from './sites.service.ts';

export interface ClaimServiceDeps {
  access: AccessService;
  /** The store's claim committer (Store.claims), for its dialect. */
  committer: ClaimCommitter;
  clock: Clock;
  deviceSecrets: SecretBox;
  limits: RateLimitPolicy;
  events: CloudEventBus;
  /** Mails the committed notifications (a move tells the previous owner's members). */
  notices: Pick<NoticeMailer, 'notify'>;
  /** Counts every claim by its outcome (latchkey_claims_total). */
  metrics: ServiceMetrics;
}

export type { ClaimRequest };

/** The scopes whose failures limit a person's claims (claim rules: account and address). */
export const claimScopes = (actor: { userId: string; ip: string }): Scope[] => [
  { scope: 'claim-account', key: actor.userId },
  { scope: 'claim-ip', key: actor.ip },
];

/** Adding a device to a site by serial number and security code, and moving it (claim rules). */
export function createClaimService(deps: ClaimServiceDeps) {
  const { committer, clock } = deps;

  // Claim rules: limited per account and per address only. A failure is also counted under the
  // serial, for the owner's notice, never to refuse: an 80-bit code cannot be guessed online,
  // and a per-serial limit would let strangers lock the owner out.
  // A row of a bulk add is refused under the same scopes, but its failure is recorded under the
  // serial only: the bulk request counts its failures toward the account and address itself
  // (bulk-claim.service.ts, docs/decisions/18-bulk.md).
  const ticketOf = (request: ClaimRequest, now: Date, inBulk = false): ClaimTicket => {
    const scopes = claimScopes(request.actor);
    return {
      siteId: request.siteId,
      userId: request.actor.userId,
      serialNumber: request.serialNumber,
      scopes,
      failureScopes: inBulk
        ? [serialScope(request.serialNumber)]
        : [...scopes, serialScope(request.serialNumber)],
      limit: {
        since: windowStart(deps.limits, now),
        maxFailures: deps.limits.maxFailures,
        windowMs: deps.limits.windowMs,
      },
      now,
    };
  };

  /** The claim-rules decision on a view, as the committer asks for it (claim.plan.ts). */
  const planOn =
    (request: ClaimRequest, now: Date, planned: { rows: NotificationsTable[] }) =>
    async (view: ClaimView) => {
      const plan = await planClaim({
        request,
        site: view.site,
        device: view.device,
        // A limited claim is refused before its code is looked at: no secret is opened for it.
        secret:
          view.device && !view.limited
            ? deps.deviceSecrets.open(view.device.secret_enc, view.device.serial_number)
            : null,
        limited: view.limited,
        now: iso(now),
        recipientsOf: view.recipientsOf,
        webhookEndpointsOf: view.webhookEndpointsOf,
      });
      // The committer may plan again on a newer read: the last plan is the one committed.
      planned.rows = plan.writes.notifications;
      return plan;
    };

  /** Reads, plans and commits one claim whose access was checked, and counts its outcome. */
  async function commitClaim(request: ClaimRequest, inBulk: boolean) {
    try {
      const result = await commitOne(request, inBulk);
      deps.metrics.claimed('error' in result ? result.error.code : result.outcome);
      return result;
    } catch (error) {
      deps.metrics.claimed(isLatchkeyError(error) ? error.code : 'error');
      throw error;
    }
  }

  /** Reads, plans and commits one claim whose access was checked; a refusal is returned. */
  async function commitOne(request: ClaimRequest, inBulk: boolean) {
    const now = clock.now();
    const ticket = ticketOf(request, now, inBulk);
    const read = await committer.read(ticket);
    // The membership may have ended since the access check: the committer reads it again.
    if (!read) return { error: new LatchkeyError('SITE_NOT_FOUND') };
    const planned = { rows: [] as NotificationsTable[] };
    const result = await committer.commit(ticket, read, planOn(request, now, planned));
    if ('error' in result) return result;
    deps.notices.notify(planned.rows);
    // Issue 20: the claim's webhook deliveries were committed with it (ClaimWrites.webhooks);
    // this event wakes the dispatcher that sends them (webhook-dispatcher.ts).
    deps.events.emit('ownership-changed', {
      serialNumber: request.serialNumber,
      siteId: read.site.id,
      siteName: read.site.name,
      cause: 'claim',
    });
    return {
      outcome: result.outcome,
      device: publicDevice({ ...result.device, claimed_at: iso(now) }),
    };
  }

  return {
    /** Claims a device; throws a catalog error for every refusal of the claim-rules table. */
    async claim(request: ClaimRequest) {
      await deps.access.requireSite(request.actor, 'site:manage', request.siteId);
      const result = await commitClaim(request, false);
      if ('error' in result) throw result.error;
      return result;
    },
    /**
     * One row of a bulk add (issue 18), whose request checked site:manage once at its top: the
     * same claim rules and answers as `claim`, the refusal returned instead of thrown, and a
     * failed guess recorded under the serial only (the bulk request counts it for the account).
     */
    claimInBulk: (request: ClaimRequest) => commitClaim(request, true),
  };
}

export type ClaimService = ReturnType<typeof createClaimService>;
