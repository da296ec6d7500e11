import type { CompanyRole, SiteRole } from '../../../core/access.rules.ts';
import type { StoreDialect } from '../dialect.ts';
import { prepared } from '../prepared.query.ts';
import type { Executor, SiteMembershipsTable } from '../schema.ts';

/** One person's standing on one site: the site, and their company and site roles (null: none). */
const siteStanding = prepared((db: Executor, siteId: string, userId: string) =>
  db
    .selectFrom('sites')
    .innerJoin('companies', 'companies.id', 'sites.company_id')
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.company_id', '=', 'sites.company_id')
        .on('memberships.user_id', '=', userId),
    )
    .leftJoin('site_memberships', (join) =>
      join
        .onRef('site_memberships.site_id', '=', 'sites.id')
        .on('site_memberships.user_id', '=', userId),
    )
    .select([
      'sites.id',
      'sites.name',
      'sites.type',
      'sites.company_id',
      'sites.created_at',
      'companies.name as company_name',
      'companies.require_two_factor',
      'memberships.role as company_role',
      'site_memberships.role as site_role',
    ])
    .where('sites.id', '=', siteId),
);

const companyStanding = prepared((db: Executor, companyId: string, userId: string) =>
  db
    .selectFrom('memberships')
    .innerJoin('companies', 'companies.id', 'memberships.company_id')
    .select(['companies.id', 'companies.name', 'companies.require_two_factor', 'memberships.role'])
    .where('memberships.company_id', '=', companyId)
    .where('memberships.user_id', '=', userId),
);

/** A company's members with their names. */
const membersOf = (db: Executor, companyId: string) =>
  db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select([
      'users.id as user_id',
      'users.email',
      'users.name',
      'memberships.role',
      'memberships.created_at',
    ])
    .where('memberships.company_id', '=', companyId);

/**
 * Who belongs to which company, with which role, and their grants on sites (issue 16).
 * `dialect` is needed only by `lockCompany` (the writes of the members service).
 */
export function membershipsRepo(db: Executor, dialect?: Pick<StoreDialect, 'lockRows'>) {
  return {
    /** The person's companies, in the order they joined (the first is the default current one). */
    companiesOf: (userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('companies', 'companies.id', 'memberships.company_id')
        .select(['companies.id', 'companies.name', 'memberships.role'])
        .where('memberships.user_id', '=', userId)
        .orderBy('memberships.created_at')
        .orderBy('companies.id')
        .execute(),
    /** The person's role in the company, or undefined when they are not a member. */
    companyStanding: async (companyId: string, userId: string) => {
      const row = (await companyStanding(db, companyId, userId)).rows[0];
      return row && { ...row, role: row.role as CompanyRole };
    },
    /** The site (undefined if there is none) with the person's roles in its company and on it. */
    siteStanding: async (siteId: string, userId: string) => {
      const row = (await siteStanding(db, siteId, userId)).rows[0];
      return (
        row && {
          ...row,
          company_role: row.company_role as CompanyRole | null,
          site_role: row.site_role as SiteRole | null,
        }
      );
    },

    /** The company's members with their names, in the order they joined. */
    listMembers: (companyId: string) =>
      membersOf(db, companyId).orderBy('memberships.created_at').orderBy('users.id').execute(),
    /** One member of the company with their name, or undefined. */
    findMember: (companyId: string, userId: string) =>
      membersOf(db, companyId).where('memberships.user_id', '=', userId).executeTakeFirst(),
    /** The site grants in the company (of one member when `userId` is given), by site name. */
    listGrants: (companyId: string, userId?: string) => {
      let query = db
        .selectFrom('site_memberships')
        .innerJoin('sites', 'sites.id', 'site_memberships.site_id')
        .select([
          'site_memberships.user_id',
          'site_memberships.site_id',
          'sites.name as site_name',
          'site_memberships.role',
        ])
        .where('site_memberships.company_id', '=', companyId);
      if (userId !== undefined) query = query.where('site_memberships.user_id', '=', userId);
      return query.orderBy('sites.name').orderBy('sites.id').execute();
    },
    /** Which of `siteIds` are sites of the company. */
    sitesOfCompany: async (companyId: string, siteIds: readonly string[]) =>
      siteIds.length === 0
        ? []
        : (
            await db
              .selectFrom('sites')
              .select('id')
              .where('company_id', '=', companyId)
              .where('id', 'in', [...siteIds])
              .execute()
          ).map((row) => row.id),
    /**
     * Locks the company's membership rows until the transaction ends (PostgreSQL FOR UPDATE;
     * SQLite serialises writers already), so that counting its admins and changing one of
     * them cannot interleave with another such change: two admins demoting each other at
     * once must not leave none. Read what depends on it afterwards (dialect.ts lockRows).
     */
    lockCompany: async (companyId: string) => {
      if (!dialect) throw new Error('membershipsRepo: lockCompany needs the dialect');
      await dialect.lockRows(
        db
          .selectFrom('memberships')
          .select('user_id')
          .where('company_id', '=', companyId)
          .orderBy('user_id'),
      );
    },
    /** The user ids of the company's admins. */
    adminsOf: async (companyId: string) =>
      (
        await db
          .selectFrom('memberships')
          .select('user_id')
          .where('company_id', '=', companyId)
          .where('role', '=', 'admin')
          .execute()
      ).map((row) => row.user_id),
    setRole: (companyId: string, userId: string, role: CompanyRole) =>
      db
        .updateTable('memberships')
        .set({ role })
        .where('company_id', '=', companyId)
        .where('user_id', '=', userId)
        .execute(),
    /** Replaces all of the member's site grants in the company by `grants`. */
    replaceGrants: async (
      companyId: string,
      userId: string,
      grants: readonly { siteId: string; role: SiteRole }[],
      now: string,
    ) => {
      await db
        .deleteFrom('site_memberships')
        .where('company_id', '=', companyId)
        .where('user_id', '=', userId)
        .execute();
      if (grants.length === 0) return;
      await db
        .insertInto('site_memberships')
        .values(
          grants.map((grant): SiteMembershipsTable => ({
            user_id: userId,
            site_id: grant.siteId,
            company_id: companyId,
            role: grant.role,
            created_at: now,
          })),
        )
        .execute();
    },
    /**
     * Ends the person's membership: their site grants, the API tokens made for this company
     * and the membership itself. Sessions stay (they may serve other companies).
     */
    removeMember: async (companyId: string, userId: string) => {
      await db
        .deleteFrom('site_memberships')
        .where('company_id', '=', companyId)
        .where('user_id', '=', userId)
        .execute();
      const tokens = await db
        .deleteFrom('api_tokens')
        .where('company_id', '=', companyId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      await db
        .deleteFrom('memberships')
        .where('company_id', '=', companyId)
        .where('user_id', '=', userId)
        .execute();
      return { tokensDeleted: Number(tokens.numDeletedRows) };
    },
  };
}

export type MembershipsRepo = ReturnType<typeof membershipsRepo>;
