import type { Insertable } from 'kysely';
import type { CompaniesTable, Executor, MembershipsTable } from '../schema.ts';

/** Companies and who belongs to them. */
export function companiesRepo(db: Executor) {
  async function memberUserIdsOf(companyIds: readonly string[]): Promise<Map<string, string[]>> {
    const members = new Map<string, string[]>();
    if (companyIds.length === 0) return members;
    const rows = await db
      .selectFrom('memberships')
      .select(['company_id', 'user_id'])
      .where('company_id', 'in', companyIds)
      .execute();
    for (const row of rows) {
      members.set(row.company_id, [...(members.get(row.company_id) ?? []), row.user_id]);
    }
    return members;
  }

  return {
    insert: (company: Insertable<CompaniesTable>) =>
      db.insertInto('companies').values(company).execute(),
    insertMembership: (membership: MembershipsTable) =>
      db.insertInto('memberships').values(membership).execute(),
    /** The companies a person belongs to, with their role in each. */
    listForUser: (userId: string) =>
      db
        .selectFrom('memberships')
        .innerJoin('companies', 'companies.id', 'memberships.company_id')
        .select(['companies.id', 'companies.name', 'memberships.role'])
        .where('memberships.user_id', '=', userId)
        .orderBy('memberships.created_at')
        .orderBy('companies.id')
        .execute(),
    findById: (companyId: string) =>
      db.selectFrom('companies').selectAll().where('id', '=', companyId).executeTakeFirst(),
    /** Company settings (issue 16): the name, whether two-factor sign-in is required. */
    update: (companyId: string, changes: { name?: string; require_two_factor?: number }) =>
      db.updateTable('companies').set(changes).where('id', '=', companyId).execute(),
    /** The members of one company. */
    memberUserIds: async (companyId: string) =>
      (await memberUserIdsOf([companyId])).get(companyId) ?? [],
    /** The members of each of `companyIds`. */
    memberUserIdsOf,
  };
}
