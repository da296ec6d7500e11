import type { Insertable } from 'kysely';
import { membershipsRepo } from './memberships.repo.ts';
import type { CompaniesTable, Executor, MembershipsTable } from '../schema.ts';

/** Companies and who belongs to them. */
export function companiesRepo(db: Executor) {
  return {
    insert: (company: Insertable<CompaniesTable>) =>
      db.insertInto('companies').values(company).execute(),
    insertMembership: (membership: MembershipsTable) =>
      db.insertInto('memberships').values(membership).execute(),
    /** The companies a person belongs to, with their role in each. */
    listForUser: (userId: string) => membershipsRepo(db).companiesOf(userId),
    findById: (companyId: string) =>
      db.selectFrom('companies').selectAll().where('id', '=', companyId).executeTakeFirst(),
    /** Company settings (issue 16): the name, whether two-factor sign-in is required. */
    update: (companyId: string, changes: { name?: string; require_two_factor?: number }) =>
      db.updateTable('companies').set(changes).where('id', '=', companyId).execute(),
  };
}
