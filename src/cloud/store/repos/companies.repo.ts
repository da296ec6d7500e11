import type { CompaniesTable, Executor, MembershipsTable } from '../schema.ts';

/** Companies and who belongs to them. */
export function companiesRepo(db: Executor) {
  return {
    insert: (company: CompaniesTable) => db.insertInto('companies').values(company).execute(),
    insertMembership: (membership: MembershipsTable) =>
      db.insertInto('memberships').values(membership).execute(),
    /** The companies a person belongs to, with their role in each. */
    listForUser: (userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('companies', 'companies.id', 'memberships.company_id')
        .select(['companies.id', 'companies.name', 'memberships.role'])
        .where('memberships.user_id', '=', userId)
        .orderBy('companies.created_at')
        .execute(),
    memberUserIds: async (companyId: string) =>
      (
        await db
          .selectFrom('memberships')
          .select('user_id')
          .where('company_id', '=', companyId)
          .execute()
      ).map((row) => row.user_id),
  };
}
