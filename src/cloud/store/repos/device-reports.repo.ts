import { sql } from 'kysely';
import type { Executor } from '../schema.ts';

/** A generation a device reported. */
export interface ReportedGeneration {
  serial: string;
  generation: number;
}

/**
 * What the device link writes for many devices at once (group commit): one statement per batch
 * instead of one per device. The SQL is the same on SQLite (≥ 3.35: UPDATE … FROM, RETURNING)
 * and PostgreSQL; both name the columns of a VALUES list column1, column2.
 */
export function deviceReportsRepo(db: Executor) {
  return {
    /** Raises knownGeneration where the report is newer; returns the serials that rose. */
    async raiseKnownGenerations(reports: readonly ReportedGeneration[]): Promise<string[]> {
      if (reports.length === 0) return [];
      const values = sql.join(
        reports.map((r) => sql`(${r.serial}, cast(${r.generation} as integer))`),
      );
      const result = await sql<{ serial_number: string }>`
        update devices set known_generation = v.column2
        from (values ${values}) as v
        where devices.serial_number = v.column1 and devices.known_generation < v.column2
        returning devices.serial_number`.execute(db);
      return result.rows.map((row) => row.serial_number);
    },
    /** Online or offline since `now`, for many devices. */
    async setPresence(serials: readonly string[], online: boolean, now: string): Promise<void> {
      if (serials.length === 0) return;
      await db
        .updateTable('devices')
        .set({ online: online ? 1 : 0, last_seen_at: now })
        .where('serial_number', 'in', serials)
        .execute();
    },
    /** What each device reported about itself; a report also means it is online. */
    async setReported(
      reports: readonly { serial: string; firmware: string }[],
      now: string,
    ): Promise<void> {
      if (reports.length === 0) return;
      const values = sql.join(reports.map((r) => sql`(${r.serial}, ${r.firmware})`));
      await sql`
        update devices set firmware = v.column2, online = 1, last_seen_at = ${now}
        from (values ${values}) as v
        where devices.serial_number = v.column1`.execute(db);
    },
  };
}
