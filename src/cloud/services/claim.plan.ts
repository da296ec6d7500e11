import { decideClaim } from '../../core/claim.rules.ts';
import { LatchkeyError, type ErrorCode } from '../../core/errors.ts';
import { matchSecurityCode, type SecurityCode } from '../../core/security-code.rules.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { FAILURE_NOTICE_KIND, type ClaimWrites } from '../store/repos/claims.repo.ts';
import type { ClaimSite } from '../store/claim-committer.ts';
import type { ClaimDevice } from '../store/repos/devices.repo.ts';
import {
  deliveriesFor,
  type SubscribedEndpoint,
  type WebhookEventDraft,
} from '../store/repos/webhooks.repo.ts';
import type { Actor } from './actor.ts';
import { auditRow, type AuditEntry } from './audit.service.ts';
import {
  movedAwayNotification,
  notificationRows,
  type NotificationDraft,
} from './notifications.service.ts';

// Refusals that mean a wrong serial or code: only these count toward the rate limits, so that
// guessing is throttled while "already added" answers (the code was right) never lock anyone out.
export const GUESS_FAILURES: ReadonlySet<ErrorCode> = new Set([
  'SERIAL_NOT_FOUND',
  'SECURITY_CODE_INVALID',
  'SECURITY_CODE_REPLACED',
]);

export interface ClaimRequest {
  actor: Actor;
  siteId: string;
  serialNumber: SerialNumber;
  securityCode: SecurityCode;
}

export type { ClaimSite };

/** A claim's answer: a catalog error for a refusal, else what happened to which device. */
export type ClaimResult =
  { error: LatchkeyError } | { outcome: 'added' | 'moved'; device: ClaimDevice };

export interface ClaimInput {
  request: ClaimRequest;
  site: ClaimSite;
  /** The device as read, with its owner; undefined when the serial is not in the registry. */
  device: ClaimDevice | undefined;
  /** The device's secret, opened (null without a device). */
  secret: Buffer | null;
  /** TOO_MANY_ATTEMPTS when a rate-limit scope was found full, else null. */
  limited: LatchkeyError | null;
  now: string;
  /** Who is told about a site (notifications.repo recipientsOf); asked for a move and for a wrong code on an owned device. */
  recipientsOf: (siteId: string) => Promise<string[]>;
  /** The enabled webhook endpoints of these companies (webhooks.repo); asked for an accepted claim. */
  webhookEndpointsOf: (companyIds: readonly string[]) => Promise<SubscribedEndpoint[]>;
}

/** Issue 20: the new owner's device.added, and on a move from another company its moved-away. */
export function claimWebhookEvents(
  request: ClaimRequest,
  site: ClaimSite,
  outcome: 'added' | 'moved',
  previousCompany: string | null,
  createdAt: string,
): WebhookEventDraft[] {
  const serialNumber = request.serialNumber;
  const events: WebhookEventDraft[] = [
    {
      companyId: site.company_id,
      type: 'device.added',
      data: { serialNumber, siteId: site.id, siteName: site.name, outcome, cause: 'claim' },
      createdAt,
    },
  ];
  if (outcome === 'moved' && previousCompany !== null && previousCompany !== site.company_id) {
    events.push({
      companyId: previousCompany,
      type: 'device.moved-away',
      data: { serialNumber, reason: 'claimed with a new security code' },
      createdAt,
    });
  }
  return events;
}

/** The delivery rows of an accepted claim's events, for the endpoints that asked for them. */
async function claimWebhooks(input: ClaimInput, events: WebhookEventDraft[]) {
  const companies = [...new Set(events.map((event) => event.companyId))];
  return deliveriesFor(events, await input.webhookEndpointsOf(companies));
}

/** What the owner reads when strangers keep presenting wrong codes for their device. */
function failedAttemptsNotification(
  serial: string,
  site: { id: string; name: string },
): NotificationDraft {
  return {
    kind: FAILURE_NOTICE_KIND,
    title: `Someone tried to add your device ${serial} with wrong security codes`,
    body: `Someone tried several times to add the device ${serial} of your site "${site.name}" to their account with wrong security codes. Nothing changed: the device stays in your site, and a security code cannot be guessed. If you gave the code to someone, check that they copied it correctly.`,
    siteId: site.id,
    serialNumber: serial,
  };
}

/** A refusal's audit row, and its failure under each scope when it was a guess. */
async function refusal(input: ClaimInput, error: LatchkeyError) {
  const { request, site, now } = input;
  const recordsFailure = GUESS_FAILURES.has(error.code);
  const owner = input.device?.owner ?? null;
  const writes: ClaimWrites = {
    ownership: null,
    raiseGeneration: null,
    audit: [
      auditRow(
        {
          companyId: site.company_id,
          siteId: request.siteId,
          actor: request.actor,
          action: 'device.claim',
          outcome: 'refused',
          errorCode: error.code,
          serialNumber: request.serialNumber,
        },
        now,
      ),
    ],
    notifications: [],
    webhooks: [],
    recordsFailure,
    // Claim rules: the owner hears of wrong codes on their device once they add up in a window;
    // whether they did is known only where the failures are counted, so the rows are prepared.
    failureNotice:
      recordsFailure && owner
        ? {
            siteId: owner.site_id,
            rows: notificationRows(
              await input.recipientsOf(owner.site_id),
              failedAttemptsNotification(request.serialNumber, {
                id: owner.site_id,
                name: owner.site_name,
              }),
              now,
            ),
          }
        : null,
  };
  return { result: { error } as ClaimResult, writes };
}

/** The audit rows and notifications of a move, on both sides (claim-rules table, "moved"). */
async function moveRecords(
  input: ClaimInput,
  previous: NonNullable<ClaimDevice['owner']>,
  base: Omit<AuditEntry, 'companyId' | 'siteId' | 'action'>,
) {
  const { request, site, now } = input;
  const withinCompany = previous.company_id === site.company_id;
  const audit = [
    auditRow(
      {
        ...base,
        companyId: site.company_id,
        siteId: site.id,
        action: 'device.moved-in',
        detail: { fromAnotherAccount: !withinCompany },
      },
      now,
    ),
    auditRow(
      {
        ...base,
        // Who took it, and from where, is another company's business (tenant isolation).
        actor: withinCompany ? request.actor : null,
        companyId: previous.company_id,
        siteId: previous.site_id,
        action: 'device.moved-away',
        detail: { reason: 'security code regenerated on the device' },
      },
      now,
    ),
  ];
  const notifications = notificationRows(
    await input.recipientsOf(previous.site_id),
    movedAwayNotification(
      request.serialNumber,
      { id: previous.site_id, name: previous.site_name },
      withinCompany ? { name: site.name } : null,
    ),
    now,
  );
  return { audit, notifications };
}

/**
 * The claim-rules decision on what was read, and the rows it writes: the same whether it is
 * committed in a transaction that read under locks or by a statement that checks the read.
 */
export async function planClaim(
  input: ClaimInput,
): Promise<{ result: ClaimResult; writes: ClaimWrites }> {
  const { request, site, device, now } = input;
  if (input.limited) return refusal(input, input.limited);
  const presentedGeneration =
    device && input.secret
      ? matchSecurityCode(
          input.secret,
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
            ? { siteId: device.owner.site_id, claimedGeneration: device.owner.claimed_generation }
            : null,
        }
      : null,
  });
  if (decision.outcome === 'refused') return refusal(input, new LatchkeyError(decision.code));
  if (!device) throw new Error('an accepted claim has a device');

  const base: Omit<AuditEntry, 'companyId' | 'siteId' | 'action'> = {
    actor: request.actor,
    outcome: 'success',
    serialNumber: request.serialNumber,
  };
  let records: Pick<ClaimWrites, 'audit' | 'notifications'>;
  if (decision.outcome === 'added') {
    records = {
      audit: [
        auditRow(
          { ...base, companyId: site.company_id, siteId: site.id, action: 'device.added' },
          now,
        ),
      ],
      notifications: [],
    };
  } else {
    if (!device.owner) throw new Error('a move needs the previous owner');
    records = await moveRecords(input, device.owner, base);
  }
  const writes: ClaimWrites = {
    ownership: {
      row: {
        serial_number: request.serialNumber,
        site_id: site.id,
        claimed_generation: decision.generation,
        claimed_at: now,
        claimed_by: request.actor.userId,
      },
      replaces: device.owner !== null,
    },
    // Most claims present the known generation: an update that would change nothing is a
    // statement saved.
    raiseGeneration:
      decision.knownGeneration > device.known_generation ? decision.knownGeneration : null,
    ...records,
    webhooks: await claimWebhooks(
      input,
      claimWebhookEvents(request, site, decision.outcome, device.owner?.company_id ?? null, now),
    ),
    recordsFailure: false,
    failureNotice: null,
  };
  // A claim changes ownership, not the registry row it read.
  return { result: { outcome: decision.outcome, device }, writes };
}
