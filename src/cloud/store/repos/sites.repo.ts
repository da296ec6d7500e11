import { prepared } from '../prepared.query.ts';
import type { Executor, SitesTable } from '../schema.ts';

/** Sites as the services show them: with their company's name. */
const withCompany = (db: Executor) =>
  db
    .selectFrom('sites')
    .innerJoin('companies', 'companies.id', 'sites.company_id')
    .select([
      'sites.id',
      'sites.name',
      'sites.type',
      'sites.company_id',
      'sites.created_at',
      'companies.name as company_name',
    ]);

const accessible = (db: Executor, userId: string) =>
  withCompany(db)
    .innerJoin('memberships', 'memberships.company_id', 'sites.company_id')
    .where('memberships.user_id', '=', userId);

// Every request about a site starts here (a claim too).
const findAccessible = prepared((db: Executor, siteId: string, userId: string) =>
  accessible(db, userId).where('sites.id', '=', siteId),
);

/** Sites, always reached through the person's memberships (tenant isolation lives here). */
export function sitesRepo(db: Executor) {
  return {
    insert: (site: SitesTable) => db.insertInto('sites').values(site).execute(),
    /** The site if the person belongs to its company, else undefined. */
    findAccessible: async (siteId: string, userId: string) =>
      (await findAccessible(db, siteId, userId)).rows[0],
    findById: (siteId: string) =>
      db.selectFrom('sites').selectAll().where('id', '=', siteId).executeTakeFirst(),
    /**
     * One company's sites, oldest first; `grantedTo`: only those granted to that member (a
     * member sees only their sites), null: all of them (an admin).
     */
    listVisible: (
      companyId: string,
      grantedTo: string | null,
      after: [string, string] | null,
      limit: number,
    ) => {
      let query = withCompany(db).where('sites.company_id', '=', companyId);
      if (grantedTo !== null) {
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('site_memberships')
              .select('site_memberships.site_id')
              .whereRef('site_memberships.site_id', '=', 'sites.id')
              .where('site_memberships.user_id', '=', grantedTo),
          ),
        );
      }
      if (after) {
        const [createdAt, id] = after;
        query = query.where((eb) =>
          eb.or([
            eb('sites.created_at', '>', createdAt),
            eb.and([eb('sites.created_at', '=', createdAt), eb('sites.id', '>', id)]),
          ]),
        );
      }
      return query
        .orderBy('sites.created_at')
        .orderBy('sites.id')
        .limit(limit + 1)
        .execute();
    },
    rename: (siteId: string, name: string) =>
      db.updateTable('sites').set({ name }).where('id', '=', siteId).execute(),
  };
}
export type SitesRepo = ReturnType<typeof sitesRepo>;
