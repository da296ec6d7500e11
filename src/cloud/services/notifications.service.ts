import { randomUUID } from 'node:crypto';
import { decodeCursor, toPage } from '../store/cursor.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import type { NotificationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { invalidCursor } from './audit.service.ts';
import { LatchkeyError } from '../../core/errors.ts';
import { iso, type Clock } from './clock.ts';

export const NOTIFICATION_KINDS = [
  'device-moved-away',
  'code-regenerated',
  'factory-reset',
  'claim-failures',
  // Issue 18: offers and requests between companies.
  'transfer-offered',
  'transfer-answered',
  'transfer-cancelled',
  'transfer-request',
  'transfer-request-answered',
  // Issue 19: configuration backups kept in the cloud.
  'backup-restored',
  'backup-failing',
  // Issue 20: a webhook endpoint that kept failing was disabled.
  'webhook-disabled',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationDraft {
  kind: NotificationKind;
  title: string;
  body: string;
  siteId: string | null;
  serialNumber: string | null;
  /** Issue 18: set for a notice addressed to a company rather than about one of its sites. */
  companyId?: string | null;
}

/** One notification row per recipient, with every column set (for batch inserts). */
export function notificationRows(
  userIds: string[],
  draft: NotificationDraft,
  now: string,
): NotificationsTable[] {
  return userIds.map((userId) => ({
    id: randomUUID(),
    user_id: userId,
    kind: draft.kind,
    title: draft.title,
    body: draft.body,
    site_id: draft.siteId,
    company_id: draft.companyId ?? null,
    serial_number: draft.serialNumber,
    created_at: now,
    read_at: null,
  }));
}

/**
 * What the previous owner reads when their device was moved away (claim-rules table, "moved").
 * `toOwnSite` is the destination when it is another site of the same company.
 */
export function movedAwayNotification(
  serialNumber: string,
  site: { id: string; name: string },
  toOwnSite: { name: string } | null = null,
) {
  if (toOwnSite) {
    return {
      kind: 'device-moved-away' as const,
      title: `Device ${serialNumber} was moved to your site "${toOwnSite.name}"`,
      body: `The device ${serialNumber} left your site "${site.name}" for your site "${toOwnSite.name}" because a new security code was generated on the device and used to add it there. If this was not expected, someone had administrator access to the device.`,
      siteId: site.id,
      serialNumber,
    };
  }
  return {
    kind: 'device-moved-away' as const,
    title: `Device ${serialNumber} was moved to another account`,
    body: `The device ${serialNumber} left your site "${site.name}" because a new security code was generated on the device and used to add it to another account. If this was not expected, someone had administrator access to the device.`,
    siteId: site.id,
    serialNumber,
  };
}

/**
 * A person's notifications in the current company (X-Company-Id, contract.md): one row per
 * recipient, so reading one is that person's business only (issue 16).
 */
export function createNotificationsService(deps: {
  store: Store;
  clock: Clock;
  access: AccessService;
}) {
  return {
    async list(actor: Actor, cursor: string | undefined, limit: number) {
      const { companyId } = await deps.access.requireCompany(actor, 'company:read');
      const after = cursor === undefined ? null : decodeCursor(cursor, 2);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const repo = notificationsRepo(deps.store.db);
      const rows = await repo.listForUser(
        actor.userId,
        after as [string, string] | null,
        limit,
        companyId,
      );
      const page = toPage(
        rows,
        limit,
        (row) => [row.created_at, row.id],
        (row) => ({
          id: row.id,
          kind: row.kind,
          title: row.title,
          body: row.body,
          siteId: row.site_id,
          serialNumber: row.serial_number,
          createdAt: row.created_at,
          readAt: row.read_at,
        }),
      );
      return { ...page, unreadCount: await repo.unreadCount(actor.userId, companyId) };
    },
    async markRead(actor: Actor, ids: string[] | null) {
      const { companyId } = await deps.access.requireCompany(actor, 'company:read');
      await notificationsRepo(deps.store.db).markRead(
        actor.userId,
        ids,
        iso(deps.clock.now()),
        companyId,
      );
    },
    /** Whether the person is mailed for each kind (contract.md; no choice made: mailed). */
    async mailSettings(actor: Actor) {
      const off = (await notificationsRepo(deps.store.db).mailOffOf([actor.userId])).get(
        actor.userId,
      );
      return {
        mail: Object.fromEntries(
          NOTIFICATION_KINDS.map((kind) => [kind, !off?.has(kind)]),
        ) as Record<NotificationKind, boolean>,
      };
    },
    /**
     * Sets the kinds given, keeps the others. Needs a session like the rest of the account
     * (PATCH /api/me): a leaked token cannot silence the mails that would reveal it.
     */
    async setMailSettings(actor: Actor, mail: Partial<Record<NotificationKind, boolean>>) {
      if (actor.credential?.kind !== 'session') throw new LatchkeyError('SESSION_REQUIRED');
      await notificationsRepo(deps.store.db).setMail(actor.userId, mail);
      return this.mailSettings(actor);
    },
    /** One of the person's own notifications, in any company (history stays theirs). */
    async markOneRead(actor: Actor, id: string) {
      const found = await notificationsRepo(deps.store.db).markOneRead(
        actor.userId,
        id,
        iso(deps.clock.now()),
      );
      if (!found) throw new LatchkeyError('NOTIFICATION_NOT_FOUND');
    },
  };
}
