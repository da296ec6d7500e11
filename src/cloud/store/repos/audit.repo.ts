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
    /**
     * The site's rows while `companyId` held it: a site handed to another company (issue 18)
     * does not show the previous owner's history.
     */
    listForSite: (
      siteId: string,
      companyId: string,
      after: [string, string] | null,
      limit: number,
    ) =>
      newestFirst(
        db
          .selectFrom('audit_events')
          .selectAll()
          .where('site_id', '=', siteId)
          .where('company_id', '=', companyId),
        after,
        limit,
      ).execute(),
    /** The device's rows inside `companyId` (issue 18: never another owner's), newest first. */
    listForDevice: (serial: string, companyId: string, limit: number) =>
      db
        .selectFrom('audit_events')
        .selectAll()
        .where('company_id', '=', companyId)
        .where('serial_number', '=', serial)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    listForCompany: (companyId: string, after: [string, string] | null, limit: number) =>
      newestFirst(
        db.selectFrom('audit_events').selectAll().where('company_id', '=', companyId),
        after,
        limit,
      ).execute(),
  };
}

export type AuditRepo = ReturnType<typeof auditRepo>;
