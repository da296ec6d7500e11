import type { StoreDialect } from '../store/dialect.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { webhooksRepo, type WebhookEventDraft } from '../store/repos/webhooks.repo.ts';
import type { AuditEventsTable, Executor } from '../store/schema.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';

/** The site a device leaves, as devicesRepo.ownersOf reads it. */
export interface MoveSource {
  site_id: string;
  site_name: string;
  company_id: string;
}

/** The site a device goes to. */
export interface MoveTarget {
  id: string;
  name: string;
  company_id: string;
}

/** Why devices changed hands without a security code (issue 18), as the audit rows keep it. */
export type MoveReason =
  'moved between sites' | 'transfer accepted' | 'request approved' | 'site handed over';

export interface OwnershipMove {
  serialNumber: string;
  from: MoveSource;
}

/** The two audit rows of one move: moved in on the target site, moved away on the source. */
function moveAuditRows(
  move: OwnershipMove,
  to: MoveTarget,
  actor: Actor,
  reason: MoveReason,
  now: string,
): AuditEventsTable[] {
  const withinCompany = move.from.company_id === to.company_id;
  return [
    auditRow(
      {
        companyId: to.company_id,
        siteId: to.id,
        actor,
        action: 'device.moved-in',
        outcome: 'success',
        serialNumber: move.serialNumber,
        detail: {
          reason,
          fromAnotherAccount: !withinCompany,
          // Another company's site names are its business (tenant isolation).
          ...(withinCompany ? { fromSite: move.from.site_name } : {}),
        },
      },
      now,
    ),
    auditRow(
      {
        companyId: move.from.company_id,
        siteId: move.from.site_id,
        // Who took it is another company's business; within a company it is a colleague.
        actor: withinCompany ? actor : null,
        action: 'device.moved-away',
        outcome: 'success',
        serialNumber: move.serialNumber,
        detail: { reason, ...(withinCompany ? { toSite: to.name } : {}) },
      },
      now,
    ),
  ];
}

/** Issue 20: a move between companies is an added device on one side, moved away on the other. */
function moveWebhooks(
  move: OwnershipMove,
  input: { to: MoveTarget; reason: MoveReason; now: string },
): WebhookEventDraft[] {
  const serialNumber = move.serialNumber;
  return [
    {
      companyId: input.to.company_id,
      type: 'device.added',
      data: {
        serialNumber,
        siteId: input.to.id,
        siteName: input.to.name,
        outcome: 'moved',
        cause: input.reason,
      },
      createdAt: input.now,
    },
    {
      companyId: move.from.company_id,
      type: 'device.moved-away',
      data: { serialNumber, reason: input.reason },
      createdAt: input.now,
    },
  ];
}

/**
 * Moves devices to `to` inside the caller's transaction, without a security code: the one
 * primitive of moves between own sites, accepted offers and approved requests (issue 18). Each
 * device moves only if it is still in the site it was read in (a conditional update), so two
 * answers racing for one device cannot both win; the serials that moved are returned. The code
 * generation is kept: the device's code did not change. Audits both sides.
 */
export async function moveOwnerships(
  trx: Executor,
  dialect: StoreDialect,
  input: {
    moves: readonly OwnershipMove[];
    to: MoveTarget;
    actor: Actor;
    reason: MoveReason;
    now: string;
  },
): Promise<string[]> {
  const devices = devicesRepo(trx, dialect);
  const moved: string[] = [];
  const audit: AuditEventsTable[] = [];
  const hooks: WebhookEventDraft[] = [];
  for (const move of input.moves) {
    const ok = await devices.moveOwnership(move.serialNumber, move.from.site_id, {
      site_id: input.to.id,
      claimed_at: input.now,
      claimed_by: input.actor.userId,
    });
    if (!ok) continue;
    moved.push(move.serialNumber);
    audit.push(...moveAuditRows(move, input.to, input.actor, input.reason, input.now));
    if (move.from.company_id !== input.to.company_id) hooks.push(...moveWebhooks(move, input));
  }
  if (audit.length > 0) await auditRepo(trx).insertMany(audit);
  // Issue 20: the outbox, in the move's transaction (a move between own sites sends none).
  await webhooksRepo(trx).enqueue(hooks);
  return moved;
}
