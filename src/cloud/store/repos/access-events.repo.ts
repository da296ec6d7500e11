import { sql } from 'kysely';
import type { AccessEventsTable, Executor } from '../schema.ts';

/** What the access log can be narrowed to (GET /api/sites/:siteId/access-log). */
export interface AccessLogFilter {
  serialNumber?: string;
  residentId?: string;
  granted?: boolean;
  credential?: string;
  /** ISO 8601 UTC, inclusive. */
  from?: string;
  /** ISO 8601 UTC, inclusive. */
  to?: string;
}

/** A resident as an access event keeps them: their name and apartment at the time. */
export interface ResidentAtDoor {
  id: string;
  site_id: string;
  name: string;
  apartment_name: string;
}

/** The door events devices reported (issue 17), per site; rows are added and pruned, never edited. */
export function accessEventsRepo(db: Executor) {
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: async (rows: AccessEventsTable[]) => {
      if (rows.length > 0) await db.insertInto('access_events').values(rows).execute();
    },

    /** The residents among `ids`, with their apartment's name, in any site (the caller checks). */
    residentsByIds: async (ids: readonly string[]): Promise<ResidentAtDoor[]> =>
      ids.length === 0
        ? []
        : db
            .selectFrom('residents')
            .innerJoin('apartments', 'apartments.id', 'residents.apartment_id')
            .select([
              'residents.id',
              'residents.site_id',
              'residents.name',
              'apartments.name as apartment_name',
            ])
            .where('residents.id', 'in', ids)
            .execute(),

    /** Newest first, after the cursor `[at, id]` of the previous page, `limit + 1` rows. */
    list(siteId: string, filter: AccessLogFilter, after: [string, string] | null, limit: number) {
      // The device's name is the one it has in the site now (device_settings of that site).
      let query = db
        .selectFrom('access_events as e')
        .leftJoin('device_settings as s', (join) =>
          join
            .onRef('s.serial_number', '=', 'e.serial_number')
            .onRef('s.site_id', '=', 'e.site_id'),
        )
        .selectAll('e')
        .select('s.name as device_name')
        .where('e.site_id', '=', siteId);
      if (filter.serialNumber) query = query.where('e.serial_number', '=', filter.serialNumber);
      if (filter.residentId) query = query.where('e.resident_id', '=', filter.residentId);
      if (filter.granted !== undefined) {
        query = query.where('e.granted', '=', filter.granted ? 1 : 0);
      }
      if (filter.credential) query = query.where('e.credential', '=', filter.credential);
      if (filter.from) query = query.where('e.at', '>=', filter.from);
      if (filter.to) query = query.where('e.at', '<=', filter.to);
      if (after) {
        query = query.where(
          sql<boolean>`(e.at < ${after[0]} or (e.at = ${after[0]} and e.id < ${after[1]}))`,
        );
      }
      return query
        .orderBy(sql`e.at desc, e.id desc`)
        .limit(limit + 1)
        .execute();
    },

    /**
     * Retention of one site: drops events older than `before` and all but the newest `keep`.
     * Both deletes walk the (site_id, at, id) index.
     */
    async prune(siteId: string, before: string, keep: number): Promise<void> {
      await db
        .deleteFrom('access_events')
        .where('site_id', '=', siteId)
        .where('at', '<', before)
        .execute();
      const cutoff = await db
        .selectFrom('access_events')
        .select(['at', 'id'])
        .where('site_id', '=', siteId)
        .orderBy(sql`at desc, id desc`)
        .limit(1)
        .offset(keep)
        .executeTakeFirst();
      if (!cutoff) return;
      await db
        .deleteFrom('access_events')
        .where('site_id', '=', siteId)
        .where(sql<boolean>`(at < ${cutoff.at} or (at = ${cutoff.at} and id <= ${cutoff.id}))`)
        .execute();
    },
  };
}

export type AccessEventsRepo = ReturnType<typeof accessEventsRepo>;
