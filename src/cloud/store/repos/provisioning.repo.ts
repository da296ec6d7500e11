import type { DeviceSettingsTable, DeviceSyncTable, Executor } from '../schema.ts';

/** A resident row with its apartment's name, credentials still sealed. */
export interface ResidentRow {
  id: string;
  site_id: string;
  apartment_id: string;
  apartment_name: string;
  name: string;
  email: string | null;
  credentials_enc: string;
  valid_from: string | null;
  valid_to: string | null;
  enabled: number;
  call_target: string | null;
}

/**
 * What Auto Provisioning (issue 17) reads and writes: a site's residents and their rights, the
 * devices' settings in their site, and each device's sync versions. Versions only rise: every
 * write of one is conditional on the version read, so two cloud nodes never go backwards.
 */
export function provisioningRepo(db: Executor) {
  return {
    residentsOf: (siteId: string): Promise<ResidentRow[]> =>
      db
        .selectFrom('residents')
        .innerJoin('apartments', 'apartments.id', 'residents.apartment_id')
        .select([
          'residents.id',
          'residents.site_id',
          'residents.apartment_id',
          'apartments.name as apartment_name',
          'residents.name',
          'residents.email',
          'residents.credentials_enc',
          'residents.valid_from',
          'residents.valid_to',
          'residents.enabled',
          'residents.call_target',
        ])
        .where('residents.site_id', '=', siteId)
        .execute(),

    accessOf: (siteId: string) =>
      db
        .selectFrom('resident_access')
        .innerJoin('residents', 'residents.id', 'resident_access.resident_id')
        .select([
          'resident_access.resident_id',
          'resident_access.serial_number',
          'resident_access.switch',
        ])
        .where('residents.site_id', '=', siteId)
        .execute(),

    /** The serials a site owns now. */
    devicesOf: async (siteId: string): Promise<string[]> =>
      (
        await db
          .selectFrom('ownerships')
          .select('serial_number')
          .where('site_id', '=', siteId)
          .orderBy('serial_number')
          .execute()
      ).map((row) => row.serial_number),

    /** The owner site and online flag of a device; site null when it is in no site. */
    deviceOf: (serial: string) =>
      db
        .selectFrom('devices')
        .leftJoin('ownerships', 'ownerships.serial_number', 'devices.serial_number')
        .select(['devices.serial_number', 'devices.online', 'ownerships.site_id'])
        .where('devices.serial_number', '=', serial)
        .executeTakeFirst(),

    /** The settings row of `serial` in `siteId`; a row of another site counts as absent. */
    settingsOf: (serial: string, siteId: string) =>
      db
        .selectFrom('device_settings')
        .selectAll()
        .where('serial_number', '=', serial)
        .where('site_id', '=', siteId)
        .executeTakeFirst(),

    saveSettings: (row: DeviceSettingsTable) =>
      db
        .insertInto('device_settings')
        .values(row)
        .onConflict((oc) =>
          oc.column('serial_number').doUpdateSet({
            site_id: row.site_id,
            configuration_mode: row.configuration_mode,
            name: row.name,
            location: row.location,
            updated_at: row.updated_at,
          }),
        )
        .execute(),

    syncOf: (serial: string) =>
      db
        .selectFrom('device_sync')
        .selectAll()
        .where('serial_number', '=', serial)
        .executeTakeFirst(),

    /** The first desired version of a device; false when another node's insert came first. */
    insertSync: async (row: DeviceSyncTable): Promise<boolean> => {
      const result = await db
        .insertInto('device_sync')
        .values(row)
        .onConflict((oc) => oc.column('serial_number').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    entriesOf: (serial: string) =>
      db
        .selectFrom('provisioned_entries')
        .select(['uuid', 'digest', 'deleted'])
        .where('serial_number', '=', serial)
        .execute(),

    /** The entries changed after version `after` (deleted ones included): a delta's content. */
    entriesSince: (serial: string, after: number) =>
      db
        .selectFrom('provisioned_entries')
        .select(['uuid', 'deleted'])
        .where('serial_number', '=', serial)
        .where('version', '>', after)
        .execute(),

    /** Entries that changed at `version`, in the transaction that raised it. */
    writeEntries: async (
      serial: string,
      version: number,
      changes: { uuid: string; digest: string; deleted: boolean }[],
    ) => {
      for (let start = 0; start < changes.length; start += 200) {
        const rows = changes.slice(start, start + 200).map((c) => ({
          serial_number: serial,
          uuid: c.uuid,
          digest: c.digest,
          version,
          deleted: c.deleted ? 1 : 0,
        }));
        await db
          .insertInto('provisioned_entries')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['serial_number', 'uuid']).doUpdateSet((eb) => ({
              digest: eb.ref('excluded.digest'),
              version: eb.ref('excluded.version'),
              deleted: eb.ref('excluded.deleted'),
            })),
          )
          .execute();
      }
    },

    /** Raises the desired version from exactly `from`; false when another write came first. */
    raiseDesired: async (
      serial: string,
      from: number,
      next: { siteId: string | null; digest: string; state: DeviceSyncTable['state']; at: string },
    ): Promise<boolean> => {
      const result = await db
        .updateTable('device_sync')
        .set({
          desired_version: from + 1,
          site_id: next.siteId,
          desired_digest: next.digest,
          state: next.state,
          since: next.at,
          reason: null,
        })
        .where('serial_number', '=', serial)
        .where('desired_version', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * What the device said it holds. The applied version only rises (a late reply of an older
     * version changes nothing); in-sync when it is the desired one.
     */
    recordApplied: async (
      serial: string,
      held: { siteId: string | null; version: number },
      at: string,
    ) => {
      await db
        .updateTable('device_sync')
        .set({ applied_site_id: held.siteId, applied_version: held.version })
        .where('serial_number', '=', serial)
        .where('applied_version', '<=', held.version)
        .execute();
      const result = await db
        .updateTable('device_sync')
        .set({ state: 'in-sync', since: at, reason: null })
        .where('serial_number', '=', serial)
        .where('desired_version', '=', held.version)
        .where((eb) =>
          held.siteId === null ? eb('site_id', 'is', null) : eb('site_id', '=', held.siteId),
        )
        .where('state', '!=', 'in-sync')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** A state for desired version `version` only: a newer version's state is not overwritten. */
    setState: async (
      serial: string,
      version: number,
      state: DeviceSyncTable['state'],
      reason: string | null,
      at: string,
    ): Promise<boolean> => {
      const result = await db
        .updateTable('device_sync')
        .set({ state, reason, since: at })
        .where('serial_number', '=', serial)
        .where('desired_version', '=', version)
        .where((eb) =>
          eb.or([
            eb('state', '!=', state),
            reason === null
              ? eb('reason', 'is not', null)
              : eb.or([eb('reason', 'is', null), eb('reason', '!=', reason)]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type ProvisioningRepo = ReturnType<typeof provisioningRepo>;
