import { newestFirst } from '../cursor.ts';
import { preparedInsert } from '../prepared.query.ts';
import type { SelectQueryBuilder } from 'kysely';
import type { Database, Executor, NotificationsTable } from '../schema.ts';

const insertRows = preparedInsert('notifications');

/**
 * Only the notifications about sites of `companyId` (an API token's company), or all when null.
 * A notification about no site is then left out.
 */
function inCompany<QB extends SelectQueryBuilder<Database, 'notifications', object>>(
  query: QB,
  companyId: string | null,
): QB {
  if (companyId === null) return query;
  return query.where('notifications.site_id', 'in', (eb) =>
    eb.selectFrom('sites').select('sites.id').where('sites.company_id', '=', companyId),
  ) as QB;
}

/** Notifications, one row per person who should read it. */
export function notificationsRepo(db: Executor) {
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: (rows: NotificationsTable[]) => insertRows(db, rows),
    listForUser: (
      userId: string,
      after: [string, string] | null,
      limit: number,
      companyId: string | null = null,
    ) =>
      newestFirst(
        inCompany(
          db.selectFrom('notifications').selectAll().where('user_id', '=', userId),
          companyId,
        ),
        after,
        limit,
      ).execute(),
    unreadCount: async (userId: string, companyId: string | null = null) =>
      Number(
        (
          await inCompany(
            db
              .selectFrom('notifications')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('user_id', '=', userId)
              .where('read_at', 'is', null),
            companyId,
          ).executeTakeFirstOrThrow()
        ).n,
      ),
    /** Marks the person's notifications read (all of them when `ids` is null). */
    markRead: (
      userId: string,
      ids: string[] | null,
      now: string,
      companyId: string | null = null,
    ) => {
      let query = db
        .updateTable('notifications')
        .set({ read_at: now })
        .where('user_id', '=', userId)
        .where('read_at', 'is', null);
      if (ids) query = query.where('id', 'in', ids.length > 0 ? ids : ['']);
      if (companyId !== null) {
        query = query.where('site_id', 'in', (eb) =>
          eb.selectFrom('sites').select('sites.id').where('sites.company_id', '=', companyId),
        );
      }
      return query.execute();
    },
  };
}
