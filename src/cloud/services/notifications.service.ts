import { randomUUID } from 'node:crypto';
import { decodeCursor, toPage } from '../store/cursor.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import type { NotificationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';

export type NotificationKind =
  'device-moved-away' | 'code-regenerated' | 'factory-reset' | 'claim-failures';

export interface NotificationDraft {
  kind: NotificationKind;
  title: string;
  body: string;
  siteId: string | null;
  serialNumber: string | null;
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

/** A person's notifications. */
export function createNotificationsService(deps: { store: Store; clock: Clock }) {
  return {
    /** `companyId`: only that company's (an API token's), else all of the person's. */
    async list(
      userId: string,
      cursor: string | undefined,
      limit: number,
      companyId: string | null = null,
    ) {
      const after = cursor === undefined ? null : decodeCursor(cursor, 2);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const repo = notificationsRepo(deps.store.db);
      const rows = await repo.listForUser(
        userId,
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
      return { ...page, unreadCount: await repo.unreadCount(userId, companyId) };
    },
    markRead: (userId: string, ids: string[] | null, companyId: string | null = null) =>
      notificationsRepo(deps.store.db).markRead(userId, ids, iso(deps.clock.now()), companyId),
  };
}
