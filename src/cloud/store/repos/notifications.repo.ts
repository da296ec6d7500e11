import { newestFirst } from '../cursor.ts';
import { preparedInsert } from '../prepared.query.ts';
import type { Executor, NotificationsTable } from '../schema.ts';

const insertRows = preparedInsert('notifications');

/** Notifications, one row per person who should read it. */
export function notificationsRepo(db: Executor) {
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: (rows: NotificationsTable[]) => insertRows(db, rows),
    listForUser: (userId: string, after: [string, string] | null, limit: number) =>
      newestFirst(
        db.selectFrom('notifications').selectAll().where('user_id', '=', userId),
        after,
        limit,
      ).execute(),
    unreadCount: async (userId: string) =>
      Number(
        (
          await db
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', userId)
            .where('read_at', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    /** Marks the person's notifications read (all of them when `ids` is null). */
    markRead: (userId: string, ids: string[] | null, now: string) => {
      let query = db
        .updateTable('notifications')
        .set({ read_at: now })
        .where('user_id', '=', userId)
        .where('read_at', 'is', null);
      if (ids) query = query.where('id', 'in', ids.length > 0 ? ids : ['']);
      return query.execute();
    },
  };
}
