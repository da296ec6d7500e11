import type {
  DeviceBackupsTable,
  Executor,
  SiteBackupKeysTable,
  SiteBackupSettingsTable,
} from '../schema.ts';

/** A backup as lists show it: everything but its bytes. */
const LISTED = [
  'id',
  'serial_number',
  'site_id',
  'company_id',
  'state',
  'reason',
  'day',
  'bytes',
  'error',
  'created_by',
  'created_at',
  'stored_at',
] as const;

/** Issue 19: sites' backup keys and settings, and the devices' configuration backups. */
export function deviceBackupsRepo(db: Executor) {
  return {
    siteKeys: (siteId: string) =>
      db
        .selectFrom('site_backup_keys')
        .selectAll()
        .where('site_id', '=', siteId)
        .executeTakeFirst(),
    /** The first key pair of a site wins: two nodes creating one at once keep the same. */
    insertSiteKeys: (row: SiteBackupKeysTable) =>
      db
        .insertInto('site_backup_keys')
        .values(row)
        .onConflict((oc) => oc.column('site_id').doNothing())
        .execute(),
    settings: (siteId: string) =>
      db
        .selectFrom('site_backup_settings')
        .selectAll()
        .where('site_id', '=', siteId)
        .executeTakeFirst(),
    saveSettings: (row: SiteBackupSettingsTable) =>
      db
        .insertInto('site_backup_settings')
        .values(row)
        .onConflict((oc) => oc.column('site_id').doUpdateSet({ daily: row.daily, keep: row.keep }))
        .execute(),
    insert: (row: DeviceBackupsTable) => db.insertInto('device_backups').values(row).execute(),
    /**
     * A daily backup's row, unless one node already claimed this device's day (the unique
     * index on serial, site and day): true when this call claimed it.
     */
    claimDaily: async (row: DeviceBackupsTable): Promise<boolean> => {
      const inserted = await db
        .insertInto('device_backups')
        .values(row)
        .onConflict((oc) => oc.columns(['serial_number', 'site_id', 'day']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    find: (id: string) =>
      db.selectFrom('device_backups').selectAll().where('id', '=', id).executeTakeFirst(),
    /** Stores the bytes into a pending backup; false when it is not pending (any more). */
    store: async (id: string, content: Buffer, now: string): Promise<boolean> => {
      const result = await db
        .updateTable('device_backups')
        .set({ state: 'stored', content, bytes: content.length, stored_at: now, error: null })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** A pending backup failed (a stored one stays stored: its bytes arrived). */
    fail: (id: string, error: string) =>
      db
        .updateTable('device_backups')
        .set({ state: 'failed', error })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .execute(),
    /** The stored backups of a device in one site, newest first. */
    listStored: (serial: string, siteId: string) =>
      db
        .selectFrom('device_backups')
        .select(LISTED)
        .where('serial_number', '=', serial)
        .where('site_id', '=', siteId)
        .where('state', '=', 'stored')
        .orderBy('stored_at', 'desc')
        .orderBy('id', 'desc')
        .execute(),
    /** Deletes all but the newest `keep` stored backups of a device in a site. */
    prune: async (serial: string, siteId: string, keep: number) => {
      const old = await db
        .selectFrom('device_backups')
        .select('id')
        .where('serial_number', '=', serial)
        .where('site_id', '=', siteId)
        .where('state', '=', 'stored')
        .orderBy('stored_at', 'desc')
        .orderBy('id', 'desc')
        .offset(keep)
        // SQLite takes OFFSET only after a LIMIT; -1 is its "no limit".
        .limit(1_000_000)
        .execute();
      if (old.length === 0) return 0;
      const ids = old.map((row) => row.id);
      await db.deleteFrom('device_backups').where('id', 'in', ids).execute();
      return ids.length;
    },
    /** When the device's newest stored backup in the site was stored, or null. */
    lastStoredAt: async (serial: string, siteId: string): Promise<string | null> => {
      const row = await db
        .selectFrom('device_backups')
        .select('stored_at')
        .where('serial_number', '=', serial)
        .where('site_id', '=', siteId)
        .where('state', '=', 'stored')
        .orderBy('stored_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.stored_at ?? null;
    },
    /** The device's last `count` daily backups in the site, newest day first. */
    recentDaily: (serial: string, siteId: string, count: number) =>
      db
        .selectFrom('device_backups')
        .select(['id', 'state', 'day'])
        .where('serial_number', '=', serial)
        .where('site_id', '=', siteId)
        .where('reason', '=', 'daily')
        .orderBy('day', 'desc')
        .limit(count)
        .execute(),
    /** The online devices of sites with daily backups on, with their site and company. */
    dailyCandidates: () =>
      db
        .selectFrom('site_backup_settings')
        .innerJoin('ownerships', 'ownerships.site_id', 'site_backup_settings.site_id')
        .innerJoin('devices', 'devices.serial_number', 'ownerships.serial_number')
        .innerJoin('sites', 'sites.id', 'ownerships.site_id')
        .select([
          'ownerships.serial_number',
          'ownerships.site_id',
          'sites.company_id',
          'site_backup_settings.keep',
        ])
        .where('site_backup_settings.daily', '=', 1)
        .where('devices.online', '=', 1)
        .orderBy('ownerships.serial_number')
        .execute(),
  };
}

export type DeviceBackupsRepo = ReturnType<typeof deviceBackupsRepo>;
