import { newestFirst } from '../cursor.ts';
import { preparedInsert } from '../prepared.query.ts';
import type { SelectQueryBuilder } from 'kysely';
import type { Database, Executor, NotificationsTable } from '../schema.ts';

const insertRows = preparedInsert('notifications');

/**
 * Only the notifications about sites of `companyId` (an API token's company) or addressed to
 * it, or all when null. A notification about no site and no company is then left out.
 */
function inCompany<QB extends SelectQueryBuilder<Database, 'notifications', object>>(
  query: QB,
  companyId: string | null,
): QB {
  if (companyId === null) return query;
  return query.where((eb) =>
    eb.or([
      eb(
        'notifications.site_id',
        'in',
        eb.selectFrom('sites').select('sites.id').where('sites.company_id', '=', companyId),
      ),
      // Issue 18: a notice addressed to the company itself (an offer to a company with no site).
      eb('notifications.company_id', '=', companyId),
    ]),
  ) as QB;
}

/**
 * Who is told about each of `siteIds` (issue 16, contract "Notifications go to the site's
 * company admins and that site's site-admins"): the admins of the site's company, and the
 * members holding the site-admin grant on that site. Viewers, members without a grant and
 * other companies are not told. The one place this is asked; the PostgreSQL claim function
 * inserts notice rows prepared from it (functions.ts), it does not ask again.
 */
export async function recipientsOf(
  db: Executor,
  siteIds: readonly string[],
): Promise<Map<string, string[]>> {
  const told = new Map<string, string[]>();
  if (siteIds.length === 0) return told;
  const rows = await db
    .selectFrom('sites')
    .innerJoin('memberships', 'memberships.company_id', 'sites.company_id')
    .select(['sites.id as site_id', 'memberships.user_id'])
    .where('sites.id', 'in', siteIds)
    .where('memberships.role', '=', 'admin')
    .union(
      db
        .selectFrom('site_memberships')
        .innerJoin('memberships', (join) =>
          join
            .onRef('memberships.company_id', '=', 'site_memberships.company_id')
            .onRef('memberships.user_id', '=', 'site_memberships.user_id'),
        )
        .select(['site_memberships.site_id', 'site_memberships.user_id'])
        .where('site_memberships.site_id', 'in', siteIds)
        .where('site_memberships.role', '=', 'site-admin'),
    )
    .execute();
  for (const row of rows) told.set(row.site_id, [...(told.get(row.site_id) ?? []), row.user_id]);
  return told;
}

/** Notifications, one row per person who should read it. */
export function notificationsRepo(db: Executor) {
  return {
    /** Who is told about one site (recipientsOf). */
    recipientsOf: async (siteId: string) => (await recipientsOf(db, [siteId])).get(siteId) ?? [],
    /** Who is told about each of several sites (recipientsOf). */
    recipientsOfSites: (siteIds: readonly string[]) => recipientsOf(db, siteIds),
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
    /** The kinds each of `userIds` chose not to be mailed (no row: mailed). */
    mailOffOf: async (userIds: readonly string[]) => {
      const off = new Map<string, Set<string>>();
      if (userIds.length === 0) return off;
      const rows = await db
        .selectFrom('notification_settings')
        .select(['user_id', 'kind'])
        .where('user_id', 'in', userIds)
        .where('mail', '=', 0)
        .execute();
      for (const row of rows)
        off.set(row.user_id, (off.get(row.user_id) ?? new Set()).add(row.kind));
      return off;
    },
    /** Sets whether the person is mailed for each kind given. */
    setMail: async (userId: string, mail: Record<string, boolean>) => {
      const rows = Object.entries(mail).map(([kind, on]) => ({
        user_id: userId,
        kind,
        mail: on ? 1 : 0,
      }));
      if (rows.length === 0) return;
      await db
        .insertInto('notification_settings')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['user_id', 'kind']).doUpdateSet((eb) => ({ mail: eb.ref('excluded.mail') })),
        )
        .execute();
    },
    /** Marks one of the person's notifications read; false when it is not theirs. */
    markOneRead: async (userId: string, id: string, now: string) => {
      const own = await db
        .selectFrom('notifications')
        .select('read_at')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!own) return false;
      if (own.read_at === null) {
        await db
          .updateTable('notifications')
          .set({ read_at: now })
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .execute();
      }
      return true;
    },
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
        query = query.where((eb) =>
          eb.or([
            eb(
              'site_id',
              'in',
              eb.selectFrom('sites').select('sites.id').where('sites.company_id', '=', companyId),
            ),
            eb('company_id', '=', companyId),
          ]),
        );
      }
      return query.execute();
    },
  };
}
