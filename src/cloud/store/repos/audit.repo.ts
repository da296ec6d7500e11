import { newestFirst } from '../cursor.ts';
import type { AuditEventsTable, Executor } from '../schema.ts';

/** The audit trail; rows are only ever added. */
export function auditRepo(db: Executor) {
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: async (rows: AuditEventsTable[]) => {
      if (rows.length > 0) await db.insertInto('audit_events').values(rows).execute();
    },
    listForSite: (siteId: string, after: [string, string] | null, limit: number) =>
      newestFirst(
        db.selectFrom('audit_events').selectAll().where('site_id', '=', siteId),
        after,
        limit,
      ).execute(),
  };
}
