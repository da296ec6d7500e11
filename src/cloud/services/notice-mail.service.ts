import { notificationMail } from '../mail/templates.ts';
import type { MailQueue } from '../mail/mailer.ts';
import type { NotificationsTable } from '../store/schema.ts';
import type { PortalLinks } from './portal-links.ts';

export interface NoticeMailDeps {
  /** Who each user id is (the users repository's lookup). */
  findUsers: (ids: string[]) => Promise<{ id: string; email: string; name: string }[]>;
  /** The kinds each person turned mail off for (notifications.repo mailOffOf). */
  mailOff: (ids: string[]) => Promise<Map<string, Set<string>>>;
  mail: MailQueue;
  links: PortalLinks;
  onError: (error: unknown) => void;
}

/** Where a notice's mail points: offers and requests to Transfers, else the site, else home. */
function linkOf(links: PortalLinks, row: NotificationsTable): string {
  if (row.kind.startsWith('transfer-')) return links.transfers();
  return row.site_id ? links.site(row.site_id) : links.base;
}

/**
 * Mails notifications once they are committed, one mail per row: the rows are already one per
 * recipient (the site's company admins and site-admins, notifications.repo recipientsOf), and
 * a recipient is mailed unless they turned that kind off (GET/PUT /api/me/notification-settings;
 * every kind is mailed by default, issue 16).
 */
export function createNoticeMailer(deps: NoticeMailDeps) {
  async function mailRows(rows: readonly NotificationsTable[]) {
    if (rows.length === 0) return;
    const ids = [...new Set(rows.map((row) => row.user_id))];
    const off = await deps.mailOff(ids);
    const mailed = rows.filter((row) => !off.get(row.user_id)?.has(row.kind));
    if (mailed.length === 0) return;
    const users = new Map((await deps.findUsers(ids)).map((u) => [u.id, u]));
    for (const row of mailed) {
      const user = users.get(row.user_id);
      if (!user) continue;
      deps.mail.send(
        notificationMail({
          to: user.email,
          name: user.name,
          title: row.title,
          body: row.body,
          link: linkOf(deps.links, row),
        }),
      );
    }
  }
  return {
    /** Never waits and never throws: the device's report or the claim is already committed. */
    notify(rows: readonly NotificationsTable[]): void {
      deps.mail.track(mailRows(rows).catch(deps.onError));
    },
  };
}

export type NoticeMailer = ReturnType<typeof createNoticeMailer>;
