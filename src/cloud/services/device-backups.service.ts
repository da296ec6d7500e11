import type { AuditAction } from '../../core/audit-actions.ts';
import { randomUUID } from 'node:crypto';
import {
  newSiteBackupKeys,
  openFromDevice,
  sealForDevice,
  type SiteBackupKeys,
} from '../../core/backup-seal.ts';
import { LatchkeyError } from '../../core/errors.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { CommandTimeoutError } from '../link/link.bridge.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { deviceBackupsRepo } from '../store/repos/device-backups.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import type { DeviceBackupsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import { LinkUnavailableError, type CommandSender } from './device-commands.ts';
import type { CloudEventBus } from './events.ts';
import type { LinkTransfers } from './link-transfers.service.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import { notificationRows, type NotificationDraft } from './notifications.service.ts';
import type { PortalLinks } from './portal-links.ts';

/** How long a person (or the daily run) waits for the device's answer to a backup or restore. */
export const BACKUP_TIMEOUT_MS = 30_000;
/** A sealed backup the cloud accepts: a 1 MiB configuration with room for the seal. */
export const MAX_SEALED_BACKUP_BYTES = 2 * 1024 * 1024;
export const DEFAULT_KEEP = 7;
export const MAX_KEEP = 30;
/** Daily backups failing this many days in a row are told to the site's admins. */
export const FAILED_DAYS_TOLD = 3;

export interface BackupSettings {
  daily: boolean;
  keep: number;
}

/** A stored backup as the API shows it. */
export interface BackupView {
  id: string;
  serialNumber: string;
  reason: 'daily' | 'manual';
  bytes: number;
  createdBy: string | null;
  createdAt: string;
  storedAt: string;
}

type Row = Omit<DeviceBackupsTable, 'content'>;

const view = (row: Row): BackupView => ({
  id: row.id,
  serialNumber: row.serial_number,
  reason: row.reason,
  bytes: row.bytes ?? 0,
  createdBy: row.created_by,
  createdAt: row.created_at,
  storedAt: row.stored_at ?? row.created_at,
});

/** The associated data of a site's sealed private key: it opens for that site only. */
const keyLabel = (siteId: string) => `site-backup-key:${siteId}`;

/** Why a command brought no backup, as a catalog error (and the text the row keeps). */
function commandFailure(error: unknown): LatchkeyError {
  if (error instanceof LinkUnavailableError) return new LatchkeyError('DEVICE_OFFLINE');
  if (error instanceof CommandTimeoutError) {
    return new LatchkeyError('DEVICE_DID_NOT_ANSWER', {
      cause: `The device did not answer in ${BACKUP_TIMEOUT_MS / 1000} s.`,
    });
  }
  throw error;
}

const refused = (reason: string) =>
  new LatchkeyError('DEVICE_REFUSED', { cause: `The device refused: ${reason}` });

/**
 * Issue 19: configuration backups kept in the cloud (docs/decisions/19-backups.md). A device
 * seals its backup to its site's public key; only the cloud opens it, with the site's private
 * key (sealed at rest under the master key), and for a restore seals it again for that one
 * device. A backup stays with the site the device was in when it was made.
 */
export function createDeviceBackupsService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  commands: CommandSender;
  transfers: LinkTransfers;
  links: PortalLinks;
  backupKeys: SecretBox;
  deviceSecrets: SecretBox;
  notices: NoticeMailer;
  timeoutMs?: number;
}) {
  const { store } = deps;
  const timeoutMs = deps.timeoutMs ?? BACKUP_TIMEOUT_MS;
  const repo = () => deviceBackupsRepo(store.db);
  const now = () => iso(deps.clock.now());

  /** The site's key pair, made on first use; of two nodes making one at once, the first wins. */
  async function siteKeys(siteId: string): Promise<SiteBackupKeys> {
    let row = await repo().siteKeys(siteId);
    if (!row) {
      const fresh = newSiteBackupKeys();
      await repo().insertSiteKeys({
        site_id: siteId,
        public_key: fresh.publicKey,
        private_key_enc: deps.backupKeys.seal(fresh.privateKey, keyLabel(siteId)),
        created_at: now(),
      });
      row = (await repo().siteKeys(siteId))!;
    }
    return {
      publicKey: row.public_key,
      privateKey: deps.backupKeys.open(row.private_key_enc, keyLabel(siteId)),
    };
  }

  async function settingsOf(siteId: string): Promise<BackupSettings> {
    const row = await repo().settings(siteId);
    return row ? { daily: row.daily === 1, keep: row.keep } : { daily: false, keep: DEFAULT_KEEP };
  }

  /** The device is in the site now and online, or the refusal a person reads. */
  async function requireOnlineIn(siteId: string, serial: string) {
    const devices = devicesRepo(store.db, store.dialect);
    const owner = await devices.ownerOf(serial);
    if (owner?.site_id !== siteId) throw new LatchkeyError('DEVICE_NOT_IN_SITE');
    const device = await devices.findBySerial(serial);
    if (device?.online !== 1) throw new LatchkeyError('DEVICE_OFFLINE');
  }

  async function tell(
    siteId: string,
    serial: string,
    draft: Omit<NotificationDraft, 'siteId' | 'serialNumber'>,
  ) {
    const recipients = await notificationsRepo(store.db).recipientsOf(siteId);
    const rows = notificationRows(recipients, { ...draft, siteId, serialNumber: serial }, now());
    await notificationsRepo(store.db).insertMany(rows);
    deps.notices.notify(rows);
  }

  /**
   * Asks the device for its backup into the pending row `row` and waits for the answer; the
   * row ends stored (kept to the site's N) or failed with the reason.
   */
  async function run(row: DeviceBackupsTable, keep: number): Promise<Row> {
    const keys = await siteKeys(row.site_id);
    const token = await deps.transfers.issue({
      serialNumber: row.serial_number,
      kind: 'backup-upload',
      ref: row.id,
    });
    let failure: LatchkeyError | null = null;
    try {
      const reply = await deps.commands.command(
        row.serial_number,
        'backup-upload',
        {
          backupId: row.id,
          url: `${deps.links.base}/link/backups/${token}`,
          sitePublicKey: keys.publicKey,
        },
        timeoutMs,
      );
      if (!reply.ok) failure = refused(reply.error ?? 'the device gave no reason');
    } catch (error) {
      failure = commandFailure(error);
    }
    const stored = await repo().find(row.id);
    if (!failure && stored?.state !== 'stored') {
      failure = refused('the device said it sent the backup, but none arrived');
    }
    if (failure || !stored) {
      await repo().fail(row.id, failure?.explanation ?? 'no backup arrived');
      throw failure ?? refused('no backup arrived');
    }
    await repo().prune(row.serial_number, row.site_id, keep);
    deps.events.emit('device-updated', { serialNumber: row.serial_number });
    return stored;
  }

  const pendingRow = (
    serial: string,
    site: { id: string; company_id: string },
    reason: 'daily' | 'manual',
    createdBy: string | null,
    day: string | null,
  ): DeviceBackupsTable => ({
    id: randomUUID(),
    serial_number: serial,
    site_id: site.id,
    company_id: site.company_id,
    state: 'pending',
    reason,
    day,
    bytes: null,
    content: null,
    error: null,
    created_by: createdBy,
    created_at: now(),
    stored_at: null,
  });

  const audit = (
    site: { id: string; company_id: string },
    actor: Actor | null,
    action: AuditAction,
    serial: string | null,
    error: LatchkeyError | null,
    detail: Record<string, unknown>,
  ) =>
    auditRepo(store.db).insertMany([
      auditRow(
        {
          companyId: site.company_id,
          siteId: site.id,
          actor,
          action,
          outcome: error ? 'refused' : 'success',
          errorCode: error?.code ?? null,
          serialNumber: serial,
          detail: error ? { ...detail, reason: error.explanation } : detail,
        },
        now(),
      ),
    ]);

  /** One daily backup of a device, once per UTC day across nodes; failures are recorded. */
  async function daily(candidate: {
    serial_number: string;
    site_id: string;
    company_id: string;
    keep: number;
  }): Promise<void> {
    const at = deps.clock.now();
    const last = await repo().lastStoredAt(candidate.serial_number, candidate.site_id);
    if (last && at.getTime() - Date.parse(last) < 24 * 60 * 60 * 1000) return;
    const site = { id: candidate.site_id, company_id: candidate.company_id };
    const day = iso(at).slice(0, 10);
    const row = pendingRow(candidate.serial_number, site, 'daily', null, day);
    if (!(await repo().claimDaily(row))) return;
    try {
      const stored = await run(row, candidate.keep);
      await audit(site, null, 'device.backup', row.serial_number, null, {
        backupId: stored.id,
        reason: 'daily',
      });
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      await audit(site, null, 'device.backup', row.serial_number, error, { reason: 'daily' });
      const recent = await repo().recentDaily(row.serial_number, row.site_id, FAILED_DAYS_TOLD);
      // Told once, on the third failed day in a row, not again every day after.
      const fourth = await repo().recentDaily(row.serial_number, row.site_id, FAILED_DAYS_TOLD + 1);
      if (
        recent.length === FAILED_DAYS_TOLD &&
        recent.every((r) => r.state === 'failed') &&
        fourth[FAILED_DAYS_TOLD]?.state !== 'failed'
      ) {
        await tell(row.site_id, row.serial_number, {
          kind: 'backup-failing',
          title: `Daily backups of ${row.serial_number} are failing`,
          body: `The daily configuration backup of ${row.serial_number} failed ${FAILED_DAYS_TOLD} days in a row (last: ${error.explanation}). Check that the device is online and working.`,
        });
      }
    }
  }

  return {
    /** Backs the device up now (site:manage) and answers the stored backup. */
    async backUp(actor: Actor, siteId: string, serial: SerialNumber): Promise<BackupView> {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      await requireOnlineIn(siteId, serial);
      const row = pendingRow(serial, site, 'manual', actor.email, null);
      await repo().insert(row);
      try {
        const stored = await run(row, (await settingsOf(siteId)).keep);
        await audit(site, actor, 'device.backup', serial, null, {
          backupId: stored.id,
          reason: 'manual',
        });
        return view(stored);
      } catch (error) {
        if (error instanceof LatchkeyError) {
          await audit(site, actor, 'device.backup', serial, error, { reason: 'manual' });
        }
        throw error;
      }
    },

    /** This site's stored backups of the device (site:read), newest first. */
    async list(actor: Actor, siteId: string, serial: SerialNumber) {
      await deps.access.requireSite(actor, 'site:read', siteId);
      const rows = await repo().listStored(serial, siteId);
      return { items: rows.map(view) };
    },

    /**
     * Restores one of the site's backups onto the device (site:manage): the backup must be
     * this site's and the device in it now. The device gets a single-use URL to the backup
     * sealed for it alone, and the site's admins are told.
     */
    async restore(actor: Actor, siteId: string, serial: SerialNumber, backupId: string) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const backup = await repo().find(backupId);
      if (
        !backup ||
        backup.site_id !== siteId ||
        backup.serial_number !== serial ||
        backup.state !== 'stored'
      ) {
        throw new LatchkeyError('BACKUP_NOT_FOUND');
      }
      await requireOnlineIn(siteId, serial);
      const token = await deps.transfers.issue({
        serialNumber: serial,
        kind: 'backup-restore',
        ref: backupId,
      });
      let failure: LatchkeyError | null = null;
      try {
        const reply = await deps.commands.command(
          serial,
          'backup-restore',
          { url: `${deps.links.base}/link/backups/${token}` },
          timeoutMs,
        );
        if (!reply.ok) failure = refused(reply.error ?? 'the device gave no reason');
      } catch (error) {
        failure = commandFailure(error);
      }
      await audit(site, actor, 'device.config-restored-from-cloud', serial, failure, {
        backupId,
        storedAt: backup.stored_at,
      });
      if (failure) throw failure;
      await tell(siteId, serial, {
        kind: 'backup-restored',
        title: `Configuration of ${serial} restored`,
        body: `${actor.email} restored the configuration of ${serial} from the backup of ${backup.stored_at}.`,
      });
      deps.events.emit('device-updated', { serialNumber: serial });
      return { restored: view(backup) };
    },

    async settings(actor: Actor, siteId: string): Promise<BackupSettings> {
      await deps.access.requireSite(actor, 'site:read', siteId);
      return settingsOf(siteId);
    },

    async saveSettings(
      actor: Actor,
      siteId: string,
      change: Partial<BackupSettings>,
    ): Promise<BackupSettings> {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const next = { ...(await settingsOf(siteId)), ...change };
      await repo().saveSettings({ site_id: siteId, daily: next.daily ? 1 : 0, keep: next.keep });
      await audit(site, actor, 'site.backup-settings', null, null, { ...next });
      return next;
    },

    /**
     * PUT /link/backups/:token: the device's sealed backup into its pending row. The token is
     * used up first; the body must be a backup sealed to the row's site key.
     */
    async receive(token: string, body: Buffer): Promise<void> {
      const transfer = await deps.transfers.take(token, 'backup-upload');
      if (!transfer) throw new LatchkeyError('BACKUP_TRANSFER_INVALID');
      const row = await repo().find(transfer.ref);
      if (!row || row.serial_number !== transfer.serialNumber || row.state !== 'pending') {
        throw new LatchkeyError('BACKUP_TRANSFER_INVALID');
      }
      const opened = openFromDevice(body, (await siteKeys(row.site_id)).privateKey);
      if (!opened.ok) {
        await repo().fail(row.id, opened.message);
        throw new LatchkeyError('BACKUP_INVALID', { cause: `The body is ${opened.message}.` });
      }
      await repo().store(row.id, body, now());
    },

    /**
     * GET /link/backups/:token: the backup sealed for the one device the token was sent to,
     * while that device is still in the backup's site.
     */
    async download(token: string): Promise<Buffer> {
      const transfer = await deps.transfers.take(token, 'backup-restore');
      if (!transfer) throw new LatchkeyError('BACKUP_TRANSFER_INVALID');
      const backup = await repo().find(transfer.ref);
      const devices = devicesRepo(store.db, store.dialect);
      const owner = await devices.ownerOf(transfer.serialNumber);
      const device = await devices.findBySerial(transfer.serialNumber);
      if (!backup?.content || !device || owner?.site_id !== backup.site_id) {
        throw new LatchkeyError('BACKUP_TRANSFER_INVALID');
      }
      const plain = openFromDevice(
        Buffer.from(backup.content),
        (await siteKeys(backup.site_id)).privateKey,
      );
      if (!plain.ok) throw new LatchkeyError('BACKUP_INVALID', { cause: plain.message });
      const secret = deps.deviceSecrets.open(device.secret_enc, device.serial_number);
      return sealForDevice(plain.value, secret, device.serial_number);
    },

    /** One pass of the daily backups: each due device of each site with them on. */
    async runDaily(): Promise<void> {
      for (const candidate of await repo().dailyCandidates()) await daily(candidate);
    },
  };
}

export type DeviceBackupsService = ReturnType<typeof createDeviceBackupsService>;
