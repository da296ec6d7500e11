import { randomBytes } from 'node:crypto';
import { encryptBackup, readBackup } from './backup.crypto.ts';
import { generateSelfSignedCertificate } from './certificate.ts';
import { defaultConfig, hostnameFor, type DeviceConfig } from './config.model.ts';
import type { ConfigStore } from './config.store.ts';
import { configToXml, parseConfigXml } from './config.xml.ts';
import type { DeviceEvents } from './device.events.ts';
import { DeviceError, invalidParam } from './device.errors.ts';
import {
  compareVersions,
  FIRMWARE_HEADER_BYTES,
  MAX_FIRMWARE_BYTES,
  readFirmwareHeader,
  type FirmwareHeader,
} from '../core/firmware.format.ts';
import type { DeviceIdentity } from './identity.store.ts';
import type { ProtectedStore } from './protected.store.ts';
import {
  readUpload,
  readUploadHead,
  type Upload,
  type UploadLimit,
  type UploadStore,
} from './upload.store.ts';

export const MAX_RESTORE_BYTES = 1024 * 1024;

/** The refusal of a backup file larger than MAX_RESTORE_BYTES (also when an upload is cut off). */
export function restoreTooBig(bytes?: number): DeviceError {
  return new DeviceError(
    13,
    `${bytes === undefined ? 'The file is too big' : `The file is ${bytes} bytes`}; a configuration backup is at most ${MAX_RESTORE_BYTES} bytes. Check that you chose the right file.`,
    'blob-cfg',
    'too-big',
  );
}

/** The refusal of a firmware file larger than MAX_FIRMWARE_BYTES. */
export function firmwareTooBig(): DeviceError {
  return new DeviceError(
    13,
    `The firmware file is larger than ${MAX_FIRMWARE_BYTES} bytes; check that you chose a firmware image.`,
    'blob-fw',
  );
}

/** What the adapters may stream to disk for a restore and a firmware upload. */
export const RESTORE_UPLOAD: UploadLimit = {
  maxBytes: MAX_RESTORE_BYTES,
  tooBig: () => restoreTooBig(),
};
export const FIRMWARE_UPLOAD: UploadLimit = {
  maxBytes: MAX_FIRMWARE_BYTES,
  tooBig: firmwareTooBig,
};

/** The name the uploaded firmware waits under until it is applied or rejected. */
const PENDING_FIRMWARE = 'firmware-pending';

/** 2N HTTP API §5.2.1: an uploaded image not applied within five minutes is discarded. */
export const PENDING_FIRMWARE_TTL_MS = 5 * 60 * 1000;

/** 2N HTTP API §5.2.1: the answer to an upload; `fileId` names it for apply/reject. */
export interface FirmwareUpload {
  fileId: string;
  version: string;
  downgrade: boolean;
  note: string;
}

interface PendingFirmware {
  fileId: string;
  header: FirmwareHeader;
  image: Upload;
  expiry: NodeJS.Timeout;
}

export interface BackupFile {
  body: Buffer;
  filename: string;
  contentType: string;
  encrypted: boolean;
}

/** Fresh factory configuration for this unit, with or without keeping network + certificate. */
export function factoryConfig(
  identity: DeviceIdentity,
  keep?: Pick<DeviceConfig, 'network' | 'certificate'> & Partial<Pick<DeviceConfig, 'certStore'>>,
): DeviceConfig {
  const certificate =
    keep?.certificate ?? generateSelfSignedCertificate(hostnameFor(identity.serialNumber));
  const config = defaultConfig(identity.model, identity.serialNumber, certificate);
  if (keep) config.network = structuredClone(keep.network);
  // "Network Settings and Certificates": a reset without it keeps the uploaded ones (§5.20).
  if (keep?.certStore) config.certStore = structuredClone(keep.certStore);
  return config;
}

/**
 * Maintenance: backup and restore of the configuration, factory reset, restart and firmware
 * upgrade. Each changes the configuration as a whole, atomically, or not at all.
 */
export class MaintenanceService {
  #pendingFirmware: PendingFirmware | null = null;
  /** How long an uploaded image waits for apply; tests shorten it. */
  pendingFirmwareTtlMs = PENDING_FIRMWARE_TTL_MS;

  private readonly identity: DeviceIdentity;
  private readonly config: ConfigStore;
  private readonly protectedStore: ProtectedStore;
  private readonly events: DeviceEvents;
  private readonly volatile: { reboot(): void };
  private readonly uploads: UploadStore;
  constructor(
    identity: DeviceIdentity,
    config: ConfigStore,
    protectedStore: ProtectedStore,
    events: DeviceEvents,
    volatile: { reboot(): void },
    uploads: UploadStore,
  ) {
    this.uploads = uploads;
    this.identity = identity;
    this.config = config;
    this.protectedStore = protectedStore;
    this.events = events;
    this.volatile = volatile;
  }

  get firmwareVersion(): string {
    return this.protectedStore.state.firmwareVersion;
  }

  async backup(password?: string): Promise<BackupFile> {
    const xml = configToXml(this.config.current);
    const stamp = new Date().toISOString().slice(0, 10);
    const base = `config-${this.identity.serialNumber}-${stamp}`;
    if (password) {
      return {
        body: await encryptBackup(xml, password),
        filename: `${base}.bak`,
        contentType: 'application/octet-stream',
        encrypted: true,
      };
    }
    return {
      body: Buffer.from(xml, 'utf8'),
      filename: `${base}.xml`,
      contentType: 'application/xml',
      encrypted: false,
    };
  }

  /**
   * Validates the whole file first (size, format, password, integrity, XML, model), then
   * replaces the configuration in one atomic write. On any error nothing changes. The upload
   * is deleted either way; its cap was enforced while streaming, so reading it back is small.
   */
  async restore(upload: Upload, password?: string): Promise<void> {
    try {
      await this.#restore(upload, password);
    } finally {
      await this.uploads.discard(upload);
    }
  }

  async #restore(upload: Upload, password?: string): Promise<void> {
    if (upload.bytes === 0) {
      throw new DeviceError(
        11,
        'The backup file is empty. Choose the file downloaded with "Backup configuration".',
        'blob-cfg',
        'empty',
      );
    }
    if (upload.bytes > MAX_RESTORE_BYTES) throw restoreTooBig(upload.bytes);
    const opened = await readBackup(await readUpload(upload), password);
    if (!opened.ok) {
      const param =
        opened.problem === 'wrong-password' || opened.problem === 'password-required'
          ? 'password'
          : 'blob-cfg';
      throw new DeviceError(12, opened.message, param, opened.problem);
    }
    const parsed = parseConfigXml(opened.xml);
    if (!parsed.ok) {
      throw new DeviceError(
        12,
        `${parsed.message} The file is damaged or not a backup of this kind of device; nothing was changed.`,
        'blob-cfg',
        'invalid-configuration',
      );
    }
    if (parsed.value.model !== this.identity.model) {
      throw new DeviceError(
        12,
        `This backup is from a ${parsed.value.model}; this device is a ${this.identity.model}. Restore a backup made on a ${this.identity.model}.`,
        'blob-cfg',
        'foreign-model',
      );
    }
    await this.config.update('configuration restored', () => parsed.value);
    this.events.emit('config-restored', { encrypted: opened.encrypted });
  }

  /** Reset Configuration; `network` = "Network Settings and Certificates" too. */
  async factoryReset(options: { network: boolean }): Promise<void> {
    const current = this.config.current;
    const fresh = factoryConfig(
      this.identity,
      options.network
        ? undefined
        : {
            network: current.network,
            certificate: current.certificate,
            certStore: current.certStore,
          },
    );
    await this.config.update(
      options.network ? 'factory reset (with network and certificates)' : 'factory reset',
      () => fresh,
    );
    this.events.emit('factory-reset', { network: options.network });
    this.restart('factory reset');
  }

  restart(reason: string): void {
    this.volatile.reboot();
    this.events.emit('restarted', { reason, firmwareVersion: this.firmwareVersion });
  }

  /**
   * Checks an uploaded image's header and keeps the file as the pending firmware (replacing an
   * earlier one) until it is applied, rejected or left alone for `pendingFirmwareTtlMs`; a
   * refused upload is deleted.
   */
  async uploadFirmware(upload: Upload): Promise<FirmwareUpload> {
    let header: FirmwareHeader;
    try {
      header = await this.#checkFirmware(upload);
    } catch (error) {
      await this.uploads.discard(upload);
      throw error;
    }
    await this.#dropPending();
    const image = await this.uploads.keep(upload, PENDING_FIRMWARE);
    // §5.2.1: "a random identifier (8 HEX characters)".
    const fileId = randomBytes(4).toString('hex');
    const expiry = setTimeout(() => {
      if (this.#pendingFirmware?.fileId === fileId) void this.#dropPending();
    }, this.pendingFirmwareTtlMs);
    expiry.unref();
    this.#pendingFirmware = { fileId, header, image, expiry };
    const downgrade = compareVersions(header.version, this.firmwareVersion) < 0;
    return {
      fileId,
      version: header.version,
      downgrade,
      note: downgrade
        ? `This image is older than the installed firmware ${this.firmwareVersion}; applying it downgrades the device.`
        : '',
    };
  }

  async #checkFirmware(upload: Upload): Promise<FirmwareHeader> {
    if (upload.bytes > MAX_FIRMWARE_BYTES) throw firmwareTooBig();
    const header = readFirmwareHeader(await readUploadHead(upload, FIRMWARE_HEADER_BYTES));
    if (!header) {
      throw invalidParam(
        'blob-fw',
        'This file is not a firmware image for this device. Download the firmware for your model and upload that file.',
      );
    }
    if (header.model !== this.identity.model) {
      throw invalidParam(
        'blob-fw',
        `This firmware is for a ${header.model}; this device is a ${this.identity.model}. Upload the firmware for ${this.identity.model}.`,
      );
    }
    if (compareVersions(header.version, this.firmwareVersion) === 0) {
      throw invalidParam(
        'blob-fw',
        `Firmware ${header.version} is already installed; nothing to upgrade.`,
      );
    }
    return header;
  }

  /**
   * Installs the pending image. `fileId` (the HTTP API's) must name it; the web interfaces,
   * which upload and apply in one session, leave it out.
   */
  async applyFirmware(fileId?: FirmwareFileRef): Promise<void> {
    const pending = this.#pending(fileId, 'apply');
    await this.protectedStore.update((s) => ({ ...s, firmwareVersion: pending.header.version }));
    await this.#dropPending();
    this.restart('firmware upgrade');
  }

  async rejectFirmware(fileId?: FirmwareFileRef): Promise<void> {
    this.#pending(fileId, 'reject');
    await this.#dropPending();
  }

  /** Stops timers; the pending image (in the uploads folder) is cleared at the next start. */
  close(): void {
    if (this.#pendingFirmware) clearTimeout(this.#pendingFirmware.expiry);
  }

  #pending(ref: FirmwareFileRef | undefined, verb: 'apply' | 'reject'): PendingFirmware {
    const pending = this.#pendingFirmware;
    if (ref !== undefined) {
      // §5.2.2/§5.2.3: a malformed identifier is error 12, an unknown one error 14.
      if (!/^[0-9a-fA-F]{8}$/.test(ref.value))
        throw invalidParam(
          ref.param,
          `Give the ${ref.param} that PUT /api/firmware answered (8 hexadecimal characters).`,
        );
      if (!pending || pending.fileId !== ref.value.toLowerCase())
        throw new DeviceError(
          14,
          `No uploaded firmware has ${ref.param} ${ref.value}; it was never uploaded, was replaced, rejected, or discarded after ${Math.round(this.pendingFirmwareTtlMs / 1000)} seconds. Upload it again with PUT /api/firmware.`,
          ref.param,
          'firmware-not-found',
        );
      return pending;
    }
    if (!pending)
      throw new DeviceError(
        15,
        verb === 'apply'
          ? 'No firmware is waiting to be applied; upload one with PUT /api/firmware first.'
          : 'No firmware is waiting; there is nothing to reject.',
      );
    return pending;
  }

  async #dropPending(): Promise<void> {
    const pending = this.#pendingFirmware;
    if (!pending) return;
    this.#pendingFirmware = null;
    clearTimeout(pending.expiry);
    await this.uploads.discard(pending.image);
  }
}

/** The firmware identifier a request gave, and under which parameter name (for errors). */
export interface FirmwareFileRef {
  value: string;
  param: string;
}
