import { sql } from 'kysely';
import type { StoreDialect } from '../dialect.ts';
import { prepared, preparedInsert } from '../prepared.query.ts';
import type { DevicesTable, Executor, OwnershipsTable } from '../schema.ts';

/**
 * What a claim reads of its device, its ownership and the owning site (joined as `owner_site`),
 * here and with the claims read together (claims.repo.ts).
 */
export const claimDeviceColumns = [
  'devices.serial_number',
  'devices.model',
  'devices.secret_enc',
  'devices.known_generation',
  'devices.firmware',
  'devices.online',
  'devices.last_seen_at',
  'ownerships.site_id',
  'ownerships.claimed_generation',
  'owner_site.company_id',
  'owner_site.name as site_name',
] as const;

/** What a device list shows of each device (publicDevice), here and in the search. */
export const listedDeviceColumns = [
  'devices.serial_number',
  'devices.model',
  'devices.firmware',
  'devices.online',
  'devices.last_seen_at',
  'ownerships.claimed_at',
  'device_settings.name',
  'device_settings.location',
  'device_settings.configuration_mode',
  'device_sync.state as sync_state',
  'device_sync.desired_version as sync_version',
  'device_sync.since as sync_since',
  'device_sync.reason as sync_reason',
] as const;

// The claim's statements, compiled once (prepared.query.ts).
const deviceWithOwner = prepared((db: Executor, serial: string) =>
  db
    .selectFrom('devices')
    .leftJoin('ownerships', 'ownerships.serial_number', 'devices.serial_number')
    .leftJoin('sites as owner_site', 'owner_site.id', 'ownerships.site_id')
    .select(claimDeviceColumns)
    .where('devices.serial_number', '=', serial),
);
// The same, and whether the owner's company or the claiming one has an enabled webhook
// endpoint (issue 20): a claim without reads none, and costs no statement more than before.
const deviceWithOwnerAndWebhooks = prepared((db: Executor, serial: string, companyId: string) =>
  db
    .selectFrom('devices')
    .leftJoin('ownerships', 'ownerships.serial_number', 'devices.serial_number')
    .leftJoin('sites as owner_site', 'owner_site.id', 'ownerships.site_id')
    .select([
      ...claimDeviceColumns,
      sql<
        boolean | number
      >`exists (select 1 from webhook_endpoints w where w.enabled = 1 and w.company_id in (owner_site.company_id, ${companyId}))`.as(
        'has_webhooks',
      ),
    ])
    .where('devices.serial_number', '=', serial),
);
const insertOwnerships = preparedInsert('ownerships');

/** The columns a claim reads of its device's ownership and owning site (outer joins). */
export interface OwnerColumns {
  site_id: string | null;
  claimed_generation: number | null;
  company_id: string | null;
  site_name: string | null;
}

/** A device read with its ownership's columns, as the device and its owner or null. */
export function withOwner<D extends OwnerColumns>(row: D) {
  const { site_id, claimed_generation, company_id, site_name, ...device } = row;
  // An ownership row always has its site (foreign key), so one null means no owner.
  const owner =
    site_id === null || claimed_generation === null || company_id === null || site_name === null
      ? null
      : { site_id, claimed_generation, company_id, site_name };
  return { ...device, owner };
}

/** A device as a claim reads it: the registry row and its owner. */
export type ClaimDevice = ReturnType<typeof withOwner<ClaimDeviceRow>>;
type ClaimDeviceRow = Awaited<ReturnType<typeof deviceWithOwner>>['rows'][number];

/** The registry and ownership of devices. */
export function devicesRepo(db: Executor, dialect: StoreDialect) {
  async function ownersOf(
    serials: readonly string[],
  ): Promise<Map<string, { site_id: string; site_name: string; company_id: string }>> {
    if (serials.length === 0) return new Map();
    const rows = await db
      .selectFrom('ownerships')
      .innerJoin('sites', 'sites.id', 'ownerships.site_id')
      .select([
        'ownerships.serial_number',
        'sites.id as site_id',
        'sites.name as site_name',
        'sites.company_id',
      ])
      .where('ownerships.serial_number', 'in', serials)
      .execute();
    return new Map(rows.map(({ serial_number, ...owner }) => [serial_number, owner]));
  }

  const siteDevices = (siteId: string) =>
    db
      .selectFrom('ownerships')
      .innerJoin('devices', 'devices.serial_number', 'ownerships.serial_number')
      // Issue 17: settings count only in the site that owns the device now.
      .leftJoin('device_settings', (join) =>
        join
          .onRef('device_settings.serial_number', '=', 'devices.serial_number')
          .onRef('device_settings.site_id', '=', 'ownerships.site_id'),
      )
      .leftJoin('device_sync', 'device_sync.serial_number', 'devices.serial_number')
      .select(listedDeviceColumns)
      .where('ownerships.site_id', '=', siteId);
  return {
    /** Batch insert; every column is passed (SQLite fills no defaults in multi-row inserts). */
    insertMany: (rows: DevicesTable[]) => db.insertInto('devices').values(rows).execute(),
    /**
     * The device and its owner, the device row locked until the transaction ends. The read is
     * one statement (outer joins) after the lock, which is a statement only on PostgreSQL.
     */
    async findForClaim(serial: string) {
      await dialect.lockRows(
        db.selectFrom('devices').select('serial_number').where('serial_number', '=', serial),
      );
      const row = (await deviceWithOwner(db, serial)).rows[0];
      return row ? withOwner(row) : undefined;
    },
    /**
     * findForClaim for a claim into `companyId`, with whether that company or the owner's has
     * an enabled webhook endpoint (SQLite returns the flag as 0 or 1).
     */
    async findForClaimInto(serial: string, companyId: string) {
      await dialect.lockRows(
        db.selectFrom('devices').select('serial_number').where('serial_number', '=', serial),
      );
      const row = (await deviceWithOwnerAndWebhooks(db, serial, companyId)).rows[0];
      if (!row) return { device: undefined, hasWebhooks: false };
      const { has_webhooks, ...columns } = row;
      return { device: withOwner(columns), hasWebhooks: Boolean(has_webhooks) };
    },
    findBySerial: (serial: string) =>
      db.selectFrom('devices').selectAll().where('serial_number', '=', serial).executeTakeFirst(),
    insertOwnership: (row: OwnershipsTable) => insertOwnerships(db, [row]),
    replaceOwnership: (row: OwnershipsTable) =>
      db
        .updateTable('ownerships')
        .set({
          site_id: row.site_id,
          claimed_generation: row.claimed_generation,
          claimed_at: row.claimed_at,
          claimed_by: row.claimed_by,
        })
        .where('serial_number', '=', row.serial_number)
        .execute(),
    /**
     * Moves the device's ownership from `fromSiteId` to another site, keeping its code
     * generation (issue 18); false when it is no longer in `fromSiteId`.
     */
    async moveOwnership(
      serial: string,
      fromSiteId: string,
      to: { site_id: string; claimed_at: string; claimed_by: string },
    ) {
      const result = await db
        .updateTable('ownerships')
        .set(to)
        .where('serial_number', '=', serial)
        .where('site_id', '=', fromSiteId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** Removes the device from the site; false when it was not there. */
    async deleteOwnership(serial: string, siteId: string) {
      const result = await db
        .deleteFrom('ownerships')
        .where('serial_number', '=', serial)
        .where('site_id', '=', siteId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    /** Raises the known code generation, never lowers it; true when it was raised. */
    async raiseKnownGeneration(serial: string, generation: number) {
      const result = await db
        .updateTable('devices')
        .set({ known_generation: generation })
        .where('serial_number', '=', serial)
        .where('known_generation', '<', generation)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** The devices the cloud holds for online (a restart of the only node makes them offline). */
    onlineSerials: async () =>
      (
        await db.selectFrom('devices').select('serial_number').where('online', '=', 1).execute()
      ).map((row) => row.serial_number),
    /** The site that owns each of `serials` that is in one, with its company and name. */
    ownersOf,
    /** The site that owns the device, with its company and name, or undefined. */
    ownerOf: async (serial: string) => (await ownersOf([serial])).get(serial),
    listBySite: (siteId: string, afterSerial: string | null, limit: number) => {
      let query = siteDevices(siteId);
      if (afterSerial) query = query.where('devices.serial_number', '>', afterSerial);
      return query
        .orderBy('devices.serial_number')
        .limit(limit + 1)
        .execute();
    },
    /** One device of the site as listBySite shows it; undefined when the site does not own it. */
    inSite: (siteId: string, serial: string) =>
      siteDevices(siteId).where('devices.serial_number', '=', serial).executeTakeFirst(),
    countAll: async () =>
      Number(
        (
          await db
            .selectFrom('devices')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
  };
}
export type DevicesRepo = ReturnType<typeof devicesRepo>;
