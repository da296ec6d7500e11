import type { CompanyRole, SiteRole } from '../../../core/access.rules.ts';
import { prepared } from '../prepared.query.ts';
import type { Executor } from '../schema.ts';

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

/** Who belongs to which company, with which role, and their grants on sites (issue 16). */
export function membershipsRepo(db: Executor) {
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
  };
}

export type MembershipsRepo = ReturnType<typeof membershipsRepo>;
