import { newestFirst } from '../cursor.ts';
import { preparedInsert } from '../prepared.query.ts';
import type { AuditEventsTable, Executor } from '../schema.ts';

// Every claim writes one or two rows (prepared.query.ts).
const insertRows = preparedInsert('audit_events');

/** The audit trail; rows are only ever added. */
export function auditRepo(db: Executor) {
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: (rows: AuditEventsTable[]) => insertRows(db, rows),
    listForSite: (siteId: string, after: [string, string] | null, limit: number) =>
      newestFirst(
        db.selectFrom('audit_events').selectAll().where('site_id', '=', siteId),
        after,
        limit,
      ).execute(),
    listForCompany: (companyId: string, after: [string, string] | null, limit: number) =>
      newestFirst(
        db.selectFrom('audit_events').selectAll().where('company_id', '=', companyId),
        after,
        limit,
      ).execute(),
  };
}

export type AuditRepo = ReturnType<typeof auditRepo>;
