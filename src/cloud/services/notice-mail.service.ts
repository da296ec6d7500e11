import { notificationMail } from '../mail/templates.ts';
import type { MailQueue } from '../mail/mailer.ts';
import type { NotificationsTable } from '../store/schema.ts';
import type { NotificationKind } from './notifications.service.ts';
import type { PortalLinks } from './portal-links.ts';

/** The kinds that also come by e-mail (issue 16); per-person settings come later. */
export const MAILED_KINDS: ReadonlySet<NotificationKind> = new Set([
  'device-moved-away',
  'code-regenerated',
]);

export interface NoticeMailDeps {
  /** Who each user id is (the users repository's lookup). */
  findUsers: (ids: string[]) => Promise<{ id: string; email: string; name: string }[]>;
  mail: MailQueue;
  links: PortalLinks;
  onError: (error: unknown) => void;
}

/**
 * Mails notifications once they are committed, one mail per row: the rows are already one per
 * recipient (today every member of the company; with roles, whoever can see the site).
 */
export function createNoticeMailer(deps: NoticeMailDeps) {
  async function mailRows(rows: readonly NotificationsTable[]) {
    const mailed = rows.filter((row) => MAILED_KINDS.has(row.kind as NotificationKind));
    if (mailed.length === 0) return;
    const users = new Map(
      (await deps.findUsers([...new Set(mailed.map((row) => row.user_id))])).map((u) => [u.id, u]),
    );
    for (const row of mailed) {
      const user = users.get(row.user_id);
      if (!user) continue;
      deps.mail.send(
        notificationMail({
          to: user.email,
          name: user.name,
          title: row.title,
          body: row.body,
          link: row.site_id ? deps.links.site(row.site_id) : deps.links.base,
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
