import { sql } from 'kysely';
import type { Executor } from '../schema.ts';

/** How many devices are linked, claimed, and both: the fleet gauges of /metrics. */
export interface FleetCounts {
  linked: number;
  claimed: number;
  claimedLinked: number;
}

/** Counts over the registry for metrics: one statement per scrape, whatever the node count. */
export function fleetRepo(db: Executor) {
  return {
    async counts(): Promise<FleetCounts> {
      const row = await db
        .selectFrom('devices')
        .leftJoin('ownerships', 'ownerships.serial_number', 'devices.serial_number')
        .select([
          sql<string | number>`count(case when devices.online = 1 then 1 end)`.as('linked'),
          sql<string | number>`count(ownerships.serial_number)`.as('claimed'),
          sql<
            string | number
          >`count(case when devices.online = 1 and ownerships.serial_number is not null then 1 end)`.as(
            'claimed_linked',
          ),
        ])
        .executeTakeFirstOrThrow();
      // PostgreSQL answers count() as a bigint, which node-postgres gives as a string.
      return {
        linked: Number(row.linked),
        claimed: Number(row.claimed),
        claimedLinked: Number(row.claimed_linked),
      };
    },
  };
}
