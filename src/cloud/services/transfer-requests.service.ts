import type { AuditAction } from '../../core/audit-actions.ts';
import { randomUUID } from 'node:crypto';
import { LatchkeyError, isLatchkeyError, type ErrorCode } from '../../core/errors.ts';
import { matchSecurityCode, type SecurityCode } from '../../core/security-code.rules.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import {
  decideRequest,
  effectiveState,
  expiryOf,
  REQUEST_LIMIT,
} from '../../core/transfer.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { attemptsRepo } from '../store/repos/attempts.repo.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { membershipsRepo } from '../store/repos/memberships.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import { sitesRepo } from '../store/repos/sites.repo.ts';
import {
  transferRequestsRepo,
  type TransferRequestRow,
} from '../store/repos/transfer-requests.repo.ts';
import type { Executor, NotificationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import { notificationRows } from './notifications.service.ts';
import { moveOwnerships } from './ownership-move.ts';
import { windowStart, type RateLimitPolicy, type Scope } from './rate-limit.ts';
import { cancelRequest, type TransferEnds } from './transfer-ends.service.ts';
import { publicRequest, requestAnsweredNotice, requestNotice } from './transfer.views.ts';

export interface RequestInput {
  serialNumber: SerialNumber;
  securityCode: SecurityCode;
  siteId: string;
  shareCompanyName: boolean;
}

/** The claim's refusal causes a request can meet, with the request's own wording where it differs. */
const NEWER_CODE_CAUSE =
  'A new security code was generated on the device after its owner added it, so adding the device with this code moves it to your site without asking anyone.';

const notPending = (cause?: string) =>
  new LatchkeyError('TRANSFER_REQUEST_NOT_PENDING', cause === undefined ? {} : { cause });

/**
 * Requests to release a device (issue 18): someone holding its serial number and current code
 * asks the owning company instead of generating a new code. A wrong serial or code is answered
 * and counted exactly as a claim's (the same scopes and limits), so a request is no oracle for
 * codes; requests themselves are limited per account, counted in the database.
 */
export function createTransferRequestsService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  deviceSecrets: SecretBox;
  claimLimits: RateLimitPolicy;
  notices: Pick<NoticeMailer, 'notify'>;
  ends: Pick<TransferEnds, 'endStale'>;
}) {
  const { store } = deps;
  const repo = () => transferRequestsRepo(store.db, store.dialect);

  /** TOO_MANY_ATTEMPTS while a claim scope of the person is full (claim.locked.ts's rule). */
  async function claimLimited(trx: Executor, scopes: Scope[], now: Date) {
    const attempts = attemptsRepo(trx, store.dialect);
    await attempts.lock(scopes);
    const limiting = await attempts.limitingFailures(
      scopes,
      windowStart(deps.claimLimits, now),
      deps.claimLimits.maxFailures,
    );
    let retryAfterMs = 0;
    for (const failure of limiting) {
      if (failure !== null) {
        const freeAt = new Date(failure).getTime() + deps.claimLimits.windowMs;
        retryAfterMs = Math.max(retryAfterMs, freeAt - now.getTime());
      }
    }
    if (retryAfterMs <= 0) return null;
    return new LatchkeyError('TOO_MANY_ATTEMPTS', {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }

  /** TOO_MANY_TRANSFER_REQUESTS when the person sent the most the window allows. */
  async function requestLimited(trx: Executor, userId: string, now: Date) {
    const requests = transferRequestsRepo(trx, store.dialect);
    await requests.lockRequester(userId);
    const made = await requests.madeSince(
      userId,
      iso(new Date(now.getTime() - REQUEST_LIMIT.windowMs)),
    );
    if (made.length < REQUEST_LIMIT.maxRequests) return null;
    const freeAt = new Date(made[made.length - REQUEST_LIMIT.maxRequests]!).getTime();
    return new LatchkeyError('TOO_MANY_TRANSFER_REQUESTS', {
      retryAfterSeconds: Math.max(
        1,
        Math.ceil((freeAt + REQUEST_LIMIT.windowMs - now.getTime()) / 1000),
      ),
    });
  }

  /** A request the person's company may answer: the owner site's admins (site:manage). */
  async function answerable(actor: Actor, id: string) {
    const request = await repo().findById(id);
    if (!request) throw new LatchkeyError('TRANSFER_REQUEST_NOT_FOUND');
    try {
      const { site } = await deps.access.requireSite(actor, 'site:manage', request.owner_site_id);
      if (site.company_id !== request.owner_company_id) {
        throw new LatchkeyError('TRANSFER_REQUEST_NOT_FOUND');
      }
    } catch (error) {
      // Another company's request, or one about a site the person cannot see, is not found.
      if (isLatchkeyError(error) && error.code === 'SITE_NOT_FOUND') {
        throw new LatchkeyError('TRANSFER_REQUEST_NOT_FOUND');
      }
      throw error;
    }
    const at = iso(deps.clock.now());
    if (effectiveState(request, at) === 'expired') {
      await repo().expireDue([id], at);
      throw notPending();
    }
    if (request.state !== 'pending') throw notPending();
    return request;
  }

  /** Re-reads the request under its lock; null when it was answered in the meantime. */
  async function lockPending(trx: Executor, id: string, at: string) {
    const requests = transferRequestsRepo(trx, store.dialect);
    await requests.lock(id);
    const request = await requests.findById(id);
    return request && effectiveState(request, at) === 'pending' ? request : null;
  }

  /** Both sides' audit rows of a request; the requester's side names no person of the owner's. */
  const bothSides = (
    request: TransferRequestRow,
    actor: Actor,
    action: AuditAction,
    at: string,
  ) => [
    auditRow(
      {
        companyId: request.owner_company_id,
        siteId: request.owner_site_id,
        actor,
        action,
        outcome: 'success',
        serialNumber: request.serial_number,
        detail: { requestId: request.id },
      },
      at,
    ),
    auditRow(
      {
        companyId: request.requester_company_id,
        siteId: request.site_id,
        actor: null,
        action,
        outcome: 'success',
        serialNumber: request.serial_number,
        detail: { requestId: request.id },
      },
      at,
    ),
  ];

  async function answered(
    request: TransferRequestRow,
    approved: boolean,
    trx: Executor,
    at: string,
  ) {
    const rows = notificationRows(
      [request.requester_user_id],
      requestAnsweredNotice(
        {
          serial: request.serial_number,
          siteId: request.site_id,
          siteName: request.requester_site_name ?? '',
        },
        approved,
      ),
      at,
    );
    await notificationsRepo(trx).insertMany(rows);
    return rows;
  }

  /**
   * The approval inside its transaction: the device re-checked under its lock (still in the
   * owner's site the request names) and the requester's site still theirs; otherwise the request
   * is cancelled with the reason and nothing moves.
   */
  async function approving(trx: Executor, actor: Actor, request: TransferRequestRow, at: string) {
    const devices = devicesRepo(trx, store.dialect);
    const device = await devices.findForClaim(request.serial_number);
    const owner = device?.owner ?? null;
    const target = await sitesRepo(trx).findById(request.site_id);
    let reason: string | null = null;
    if (owner?.site_id !== request.owner_site_id || owner.company_id !== request.owner_company_id) {
      reason = `Device ${request.serial_number} is no longer in the site the request was made to, so nothing moved.`;
    } else if (target?.company_id !== request.requester_company_id) {
      reason = `The site the device was requested for no longer exists, so nothing moved.`;
    }
    if (reason !== null || !owner || !target) {
      const text = reason ?? 'The request can no longer be approved.';
      const rows = await cancelRequest(trx, store, { request, reason: text, now: at });
      return { error: notPending(text), rows, target: null };
    }
    const moved = await moveOwnerships(trx, store.dialect, {
      moves: [{ serialNumber: request.serial_number, from: owner }],
      to: target,
      actor,
      reason: 'request approved',
      now: at,
    });
    if (moved.length !== 1) throw new Error('transfer request: a locked device did not move');
    await transferRequestsRepo(trx, store.dialect).end(request.id, {
      state: 'approved',
      answered_at: at,
      answered_by: actor.userId,
    });
    await auditRepo(trx).insertMany(bothSides(request, actor, 'transfer-request.approved', at));
    return { error: null, rows: await answered(request, true, trx, at), target };
  }

  return {
    /** POST /api/transfer-requests: asks the owner to release a device into the person's site. */
    async request(actor: Actor, input: RequestInput) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', input.siteId);
      const now = deps.clock.now();
      const at = iso(now);
      const scopes: Scope[] = [
        { scope: 'claim-account', key: actor.userId },
        { scope: 'claim-ip', key: actor.ip },
      ];
      const id = randomUUID();
      const outcome = await store.transaction(async (trx) => {
        const device = await devicesRepo(trx, store.dialect).findForClaim(input.serialNumber);
        const limited =
          (await claimLimited(trx, scopes, now)) ?? (await requestLimited(trx, actor.userId, now));
        if (limited) return { error: limited, rows: [] as NotificationsTable[] };
        const secret = device
          ? deps.deviceSecrets.open(device.secret_enc, device.serial_number)
          : null;
        const decision = decideRequest({
          requesterCompanyId: site.company_id,
          device: device
            ? {
                knownGeneration: device.known_generation,
                owner: device.owner
                  ? {
                      companyId: device.owner.company_id,
                      claimedGeneration: device.owner.claimed_generation,
                    }
                  : null,
              }
            : null,
          presentedGeneration:
            device && secret
              ? matchSecurityCode(
                  secret,
                  input.serialNumber,
                  input.securityCode,
                  device.known_generation,
                )
              : null,
        });
        if (decision.outcome === 'refused') {
          // A wrong serial or code counts toward the claim limits as a claim's would.
          if (decision.guess) await attemptsRepo(trx, store.dialect).record(scopes, at);
          await auditRepo(trx).insertMany([
            auditRow(
              {
                companyId: site.company_id,
                siteId: site.id,
                actor,
                action: 'transfer-request.sent',
                outcome: 'refused',
                errorCode: decision.code,
                serialNumber: input.serialNumber,
              },
              at,
            ),
          ]);
          const code: ErrorCode = decision.code;
          return {
            error: new LatchkeyError(code, decision.newerCode ? { cause: NEWER_CODE_CAUSE } : {}),
            rows: [] as NotificationsTable[],
          };
        }
        const owner = device!.owner!;
        const requests = transferRequestsRepo(trx, store.dialect);
        if (await requests.pendingOf(input.serialNumber, site.company_id, at)) {
          return { error: new LatchkeyError('DEVICE_BUSY'), rows: [] as NotificationsTable[] };
        }
        await requests.insert({
          id,
          serial_number: input.serialNumber,
          requester_company_id: site.company_id,
          requester_user_id: actor.userId,
          site_id: site.id,
          share_company_name: input.shareCompanyName ? 1 : 0,
          owner_company_id: owner.company_id,
          owner_site_id: owner.site_id,
          state: 'pending',
          reason: null,
          created_at: at,
          expires_at: expiryOf(now),
          answered_at: null,
          answered_by: null,
        });
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId: site.company_id,
              siteId: site.id,
              actor,
              action: 'transfer-request.sent',
              outcome: 'success',
              serialNumber: input.serialNumber,
              detail: { requestId: id },
            },
            at,
          ),
          auditRow(
            {
              companyId: owner.company_id,
              siteId: owner.site_id,
              // Who asks is not the owner's business unless they chose to say which company.
              actor: null,
              action: 'transfer-request.received',
              outcome: 'success',
              serialNumber: input.serialNumber,
              detail: {
                requestId: id,
                ...(input.shareCompanyName ? { requesterCompany: site.company_name } : {}),
              },
            },
            at,
          ),
        ]);
        const rows = notificationRows(
          await notificationsRepo(trx).recipientsOf(owner.site_id),
          requestNotice({
            serial: input.serialNumber,
            site: { id: owner.site_id, name: owner.site_name },
            requesterCompanyName: input.shareCompanyName ? site.company_name : null,
          }),
          at,
        );
        await notificationsRepo(trx).insertMany(rows);
        return { error: null, rows };
      });
      if (outcome.error) throw outcome.error;
      deps.notices.notify(outcome.rows);
      return { id, state: 'pending' as const, expiresAt: expiryOf(now) };
    },

    /**
     * GET /api/transfer-requests: sent and received by the current company, newest first. An
     * admin sees all; a member sees those they sent and those about sites they are site-admin of.
     */
    async list(actor: Actor) {
      const { companyId, role } = await deps.access.requireCompany(actor, 'company:read');
      const admin = role === 'admin';
      const managed = admin
        ? null
        : (await membershipsRepo(store.db).listGrants(companyId, actor.userId))
            .filter((grant) => grant.role === 'site-admin')
            .map((grant) => grant.site_id);
      const [sent, receivedRows] = await Promise.all([
        repo().listSent(companyId, admin ? null : actor.userId),
        repo().listReceived(companyId, managed),
      ]);
      const at = iso(deps.clock.now());
      await repo().expireDue(
        [...sent, ...receivedRows]
          .filter((row) => row.state === 'pending' && effectiveState(row, at) === 'expired')
          .map((row) => row.id),
        at,
      );
      return {
        sent: sent.map((row) => publicRequest(row, 'sent', at)),
        received: receivedRows.map((row) => publicRequest(row, 'received', at)),
      };
    },

    /** POST /api/transfer-requests/:id/approve: the device moves to the requester's site. */
    async approve(actor: Actor, id: string) {
      await answerable(actor, id);
      const at = iso(deps.clock.now());
      const answer = await store.transaction(async (trx) => {
        const pending = await lockPending(trx, id, at);
        if (!pending)
          return { error: notPending(), rows: [] as NotificationsTable[], target: null };
        return approving(trx, actor, pending, at);
      });
      deps.notices.notify(answer.rows);
      if (answer.error) throw answer.error;
      const request = (await repo().findById(id))!;
      if (answer.target) {
        deps.events.emit('ownership-changed', {
          serialNumber: request.serial_number,
          siteId: answer.target.id,
          siteName: answer.target.name,
          cause: 'request',
        });
      }
      // Offers naming the device, and other companies' requests for it, end now.
      await deps.ends.endStale([request.serial_number], 'request');
      return { request: publicRequest(request, 'received', iso(deps.clock.now())) };
    },

    /** POST /api/transfer-requests/:id/decline: the requester is told "declined", nothing else. */
    async decline(actor: Actor, id: string) {
      await answerable(actor, id);
      const at = iso(deps.clock.now());
      const rows = await store.transaction(async (trx) => {
        const pending = await lockPending(trx, id, at);
        if (!pending) throw notPending();
        await transferRequestsRepo(trx, store.dialect).end(id, {
          state: 'declined',
          answered_at: at,
          answered_by: actor.userId,
        });
        await auditRepo(trx).insertMany(bothSides(pending, actor, 'transfer-request.declined', at));
        return answered(pending, false, trx, at);
      });
      deps.notices.notify(rows);
      const request = (await repo().findById(id))!;
      return { request: publicRequest(request, 'received', at) };
    },
  };
}

export type TransferRequestsService = ReturnType<typeof createTransferRequestsService>;
