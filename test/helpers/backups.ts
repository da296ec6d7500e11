import { openFromDevice } from '../../src/core/backup-seal.ts';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import { findMasterKey } from '../../src/cloud/secrets/master-key.ts';
import { SecretBox } from '../../src/cloud/secrets/secret-box.ts';

/** A site's backup private key, opened as the cloud opens it (issue 19). */
export async function sitePrivateKey(cloud: RunningCloud, dataDir: string, siteId: string) {
  const row = await cloud.store.db
    .selectFrom('site_backup_keys')
    .selectAll()
    .where('site_id', '=', siteId)
    .executeTakeFirstOrThrow();
  const key = findMasterKey(dataDir).key!;
  return new SecretBox(key, 'site-backup-key').open(
    row.private_key_enc,
    `site-backup-key:${siteId}`,
  );
}

/** The stored bytes of a backup and what they open to with a site's key (or why not). */
export async function storedBackup(cloud: RunningCloud, backupId: string, privateKey: Buffer) {
  const row = await cloud.store.db
    .selectFrom('device_backups')
    .selectAll()
    .where('id', '=', backupId)
    .executeTakeFirstOrThrow();
  return { row, opened: openFromDevice(Buffer.from(row.content!), privateKey) };
}

/** The backup rows of a device, oldest first (no bytes). */
export async function backupRows(cloud: RunningCloud, serial: string) {
  return cloud.store.db
    .selectFrom('device_backups')
    .select(['id', 'site_id', 'state', 'reason', 'day', 'error'])
    .where('serial_number', '=', serial)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
