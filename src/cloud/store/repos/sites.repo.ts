import type { Executor, SitesTable } from '../schema.ts';

/** Sites, always reached through the person's memberships (tenant isolation lives here). */
export function sitesRepo(db: Executor) {
  const accessible = (userId: string) =>
    db
      .selectFrom('sites')
      .innerJoin('memberships', 'memberships.company_id', 'sites.company_id')
      .innerJoin('companies', 'companies.id', 'sites.company_id')
      .select([
        'sites.id',
        'sites.name',
        'sites.company_id',
        'sites.created_at',
        'companies.name as company_name',
      ])
      .where('memberships.user_id', '=', userId);

  return {
    insert: (site: SitesTable) => db.insertInto('sites').values(site).execute(),
    /** The site if the person belongs to its company, else undefined. */
    findAccessible: (siteId: string, userId: string) =>
      accessible(userId).where('sites.id', '=', siteId).executeTakeFirst(),
    findById: (siteId: string) =>
      db.selectFrom('sites').selectAll().where('id', '=', siteId).executeTakeFirst(),
    listAccessible: (userId: string, after: [string, string] | null, limit: number) => {
      let query = accessible(userId);
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
