import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DevicePresenceTable, Executor } from '../schema.ts';

/**
 * How many presence rows a device keeps (docs/decisions/18-devices.md): the newest 200, so a
 * device that flaps all day cannot grow the table without bound, and a quiet one keeps months.
 */
export const PRESENCE_ROWS_PER_DEVICE = 200;

let lastSequence = 0n;

/**
 * A presence row id that sorts in the order the rows were written by this node: the device
 * page lists newest first by (at, id), and two changes may share a millisecond of the clock
 * (a test clock does not move at all). Wall-clock microseconds keep the order across restarts.
 */
function presenceId(): string {
  const now = BigInt(Date.now()) * 1000n;
  lastSequence = now > lastSequence ? now : lastSequence + 1n;
  return `${lastSequence.toString().padStart(20, '0')}-${randomUUID().slice(0, 8)}`;
}

/** A device's online history (issue 18), with the company that owned it at each change. */
export function devicePresenceRepo(db: Executor) {
  return {
    /**
     * Sets `online` on the devices whose state differs and returns those serials: only real
     * changes make history. A conditional update, so two nodes writing the same change at
     * once record it once (the second finds nothing left to change).
     */
    async flip(serials: readonly string[], online: boolean): Promise<string[]> {
      if (serials.length === 0) return [];
      const rows = await db
        .updateTable('devices')
        .set({ online: online ? 1 : 0 })
        .where('serial_number', 'in', serials)
        .where('online', '=', online ? 0 : 1)
        .returning('serial_number')
        .execute();
      return rows.map((row) => row.serial_number);
    },

    /** Adds history rows, then keeps only each device's newest PRESENCE_ROWS_PER_DEVICE. */
    async record(rows: readonly Omit<DevicePresenceTable, 'id'>[]): Promise<void> {
      if (rows.length === 0) return;
      await db
        .insertInto('device_presence')
        .values(rows.map((row) => ({ id: presenceId(), ...row })))
        .execute();
      const serials = [...new Set(rows.map((row) => row.serial_number))];
      // One statement per batch (a connect storm is thousands of devices): each device's rows
      // are ranked newest first through the (serial_number, at, id) index.
      await sql`
        delete from device_presence where id in (
          select id from (
            select id, row_number() over (
              partition by serial_number order by at desc, id desc
            ) as n
            from device_presence where serial_number in (${sql.join(serials)})
          ) ranked
          where ranked.n > ${PRESENCE_ROWS_PER_DEVICE}
        )`.execute(db);
    },

    /** The device's changes while `companyId` owned it, newest first. */
    listFor: (serial: string, companyId: string, limit: number) =>
      db
        .selectFrom('device_presence')
        .select(['online', 'at'])
        .where('serial_number', '=', serial)
        .where('company_id', '=', companyId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
  };
}
export type DevicePresenceRepo = ReturnType<typeof devicePresenceRepo>;
