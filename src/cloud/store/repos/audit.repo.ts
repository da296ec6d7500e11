import type { AuditEventsTable, Executor } from '../schema.ts';

/** The audit trail; rows are only ever added. */
export function auditRepo(db: Executor) {
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: async (rows: AuditEventsTable[]) => {
      if (rows.length > 0) await db.insertInto('audit_events').values(rows).execute();
    },
    listForSite: (siteId: string, after: [string, string] | null, limit: number) => {
      let query = db.selectFrom('audit_events').selectAll().where('site_id', '=', siteId);
      if (after) {
        const [createdAt, id] = after;
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', createdAt),
            eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
          ]),
        );
      }
      return query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
    },
  };
}
