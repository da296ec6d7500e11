import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../schema.ts';
import { listedDeviceColumns } from './devices.repo.ts';

/** One page of a company-wide device search (issue 18), as the service asks for it. */
export interface DeviceSearch {
  companyId: string;
  /** Only the sites granted to this member; null: every site of the company (an admin). */
  grantedTo: string | null;
  siteId: string | null;
  online: boolean | null;
  /** A case-insensitive substring of serial, name, location, site name or firmware. */
  text: string | null;
  /** The serial number of the previous page's last device (keyset). */
  after: string | null;
  limit: number;
}

/** `text` as a LIKE pattern matching it anywhere, its wildcards taken literally. */
export const containsPattern = (text: string): string =>
  `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The digits of a serial typed without its dashes ("5405620293"), or null if not one. Dots do
 * not join digits here: "2.46" is how a firmware version is written, and read as the digits 246
 * it would also find every serial that happens to contain them.
 */
export const serialDigits = (text: string): string | null => {
  const digits = text.replace(/[-\s]/g, '');
  return /^\d+$/.test(digits) ? digits : null;
};

/** Devices across the sites of a company that a person sees, in serial-number order. */
export function deviceSearchRepo(db: Executor) {
  /** The ownerships the search matches, joined with only what its filters read. */
  function matching(input: DeviceSearch) {
    const { grantedTo, siteId, online, text, after } = input;
    let query = db
      .selectFrom('ownerships')
      .innerJoin('sites', 'sites.id', 'ownerships.site_id')
      .leftJoin('device_settings', (join) =>
        join
          .onRef('device_settings.serial_number', '=', 'ownerships.serial_number')
          .onRef('device_settings.site_id', '=', 'ownerships.site_id'),
      )
      .innerJoin('devices', 'devices.serial_number', 'ownerships.serial_number')
      .where('sites.company_id', '=', input.companyId);
    if (grantedTo !== null) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('site_memberships')
            .select('site_memberships.site_id')
            .whereRef('site_memberships.site_id', '=', 'sites.id')
            .where('site_memberships.user_id', '=', grantedTo),
        ),
      );
    }
    if (siteId !== null) query = query.where('ownerships.site_id', '=', siteId);
    if (online !== null) query = query.where('devices.online', '=', online ? 1 : 0);
    if (text !== null) {
      const pattern = containsPattern(text);
      const like = (column: string): Expression<SqlBool> =>
        sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
      const digits = serialDigits(text);
      query = query.where((eb) =>
        eb.or([
          like('ownerships.serial_number'),
          like('device_settings.name'),
          like('device_settings.location'),
          like('sites.name'),
          like('devices.firmware'),
          ...(digits === null
            ? []
            : [sql<SqlBool>`replace(ownerships.serial_number, '-', '') like ${`%${digits}%`}`]),
        ]),
      );
    }
    if (after !== null) query = query.where('ownerships.serial_number', '>', after);
    return query;
  }

  return {
    /**
     * Two steps: the page's serials are found first on narrow rows (the visible sites'
     * ownerships by (site_id, serial_number), joined only with what a filter needs), so the
     * sort of a large company's devices is cheap; the page's few devices are then read whole.
     */
    async search(input: DeviceSearch) {
      const page = matching(input)
        .select('ownerships.serial_number')
        .orderBy('ownerships.serial_number')
        .limit(input.limit + 1);
      return (
        db
          .selectFrom('ownerships')
          .innerJoin('sites', 'sites.id', 'ownerships.site_id')
          .innerJoin('devices', 'devices.serial_number', 'ownerships.serial_number')
          // Settings count only in the site that owns the device now (as in a site's list).
          .leftJoin('device_settings', (join) =>
            join
              .onRef('device_settings.serial_number', '=', 'devices.serial_number')
              .onRef('device_settings.site_id', '=', 'ownerships.site_id'),
          )
          .leftJoin('device_sync', 'device_sync.serial_number', 'devices.serial_number')
          .select([...listedDeviceColumns, 'sites.id as site_id', 'sites.name as site_name'])
          .where('ownerships.serial_number', 'in', page)
          .orderBy('ownerships.serial_number')
          .execute()
      );
    },
  };
}
export type DeviceSearchRepo = ReturnType<typeof deviceSearchRepo>;
