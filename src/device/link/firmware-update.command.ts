import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MAX_FIRMWARE_BYTES } from '../../core/firmware.format.ts';
import {
  parseFirmwareUpdateArgs,
  type FirmwareProgressMessage,
  type FirmwareUpdateArgs,
  type ReplyMessage,
} from '../../core/link.protocol.ts';
import { DeviceError } from '../device.errors.ts';
import type { Device } from '../device.ts';
import type { Upload } from '../upload.store.ts';

/** Bounds on one download; tests shorten them. */
export interface FirmwareDownloadLimits {
  /** The whole download, from the request to the last byte. */
  totalMs?: number;
  /** The longest wait for the next bytes (the answer's headers included). */
  stallMs?: number;
}

export const FIRMWARE_DOWNLOAD_TOTAL_MS = 5 * 60 * 1000;
export const FIRMWARE_DOWNLOAD_STALL_MS = 30 * 1000;

/** A failure whose message is already the sentence a person reads in the rollout. */
class UpdateFailed extends Error {
  override name = 'UpdateFailed';
}

/**
 * The cloud's `firmware-update` command (issue 19): answers at once whether it accepts, then
 * downloads the image from the single-use URL into the upload store, checks its size and
 * SHA-256, and installs it through the same path as the vendor API's PUT /api/firmware and
 * apply (2N HTTP API §5.2.1, §5.2.2), reporting each step with `firmware-progress`. One update
 * at a time per device.
 */
export class FirmwareUpdateCommand {
  #running: string | null = null;

  private readonly device: Device;
  private readonly publish: (event: FirmwareProgressMessage) => void;
  private readonly limits: Required<FirmwareDownloadLimits>;
  private readonly log: (message: string) => void;
  constructor(
    device: Device,
    publish: (event: FirmwareProgressMessage) => void,
    limits: FirmwareDownloadLimits = {},
    log: (message: string) => void = () => {},
  ) {
    this.device = device;
    this.publish = publish;
    this.limits = {
      totalMs: limits.totalMs ?? FIRMWARE_DOWNLOAD_TOTAL_MS,
      stallMs: limits.stallMs ?? FIRMWARE_DOWNLOAD_STALL_MS,
    };
    this.log = log;
  }

  /** The rollout whose update runs now, if any. */
  get running(): string | null {
    return this.#running;
  }

  execute(id: string, raw: Record<string, unknown>): ReplyMessage {
    const parsed = parseFirmwareUpdateArgs(raw);
    if (!parsed.ok) return { id, ok: false, error: `bad-args: ${parsed.message}` };
    const args = parsed.value;
    if (args.bytes > MAX_FIRMWARE_BYTES) {
      return {
        id,
        ok: false,
        error: `bad-args: the image is ${args.bytes} bytes; this device takes at most ${MAX_FIRMWARE_BYTES}`,
      };
    }
    if (this.#running !== null) return { id, ok: false, error: 'busy' };
    if (args.version === this.device.maintenance.firmwareVersion) {
      return { id, ok: false, error: 'already-installed' };
    }
    this.#running = args.rolloutId;
    void this.#update(args).finally(() => {
      this.#running = null;
    });
    return { id, ok: true, result: { accepted: true } };
  }

  async #update(args: FirmwareUpdateArgs): Promise<void> {
    const keeps = this.device.maintenance.firmwareVersion;
    const report = (step: FirmwareProgressMessage['step'], extra: object = {}) =>
      this.publish({ type: 'firmware-progress', rolloutId: args.rolloutId, step, ...extra });
    try {
      const upload = await this.#download(args, (percent) => report('downloading', { percent }));
      report('installing');
      await this.#install(upload);
      // applyFirmware restarted the device, and the link published the state with the new
      // firmware on 'restarted' before this.
      report('done');
    } catch (error) {
      const reason =
        error instanceof UpdateFailed
          ? error.message
          : error instanceof DeviceError
            ? `${error.hint} The device keeps firmware ${keeps}.`
            : `The update stopped on an unexpected error (${(error as Error).message}). The device keeps firmware ${keeps}.`;
      this.log(`firmware update ${args.rolloutId} failed: ${reason}`);
      report('failed', { error: reason.slice(0, 300) });
    }
  }

  /** Streams the image to the upload store; resolves with it once its size and digest hold. */
  async #download(args: FirmwareUpdateArgs, progress: (percent: number) => void): Promise<Upload> {
    const keeps = `The device keeps firmware ${this.device.maintenance.firmwareVersion}.`;
    const stall = new AbortController();
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => stall.abort(), this.limits.stallMs);
    };
    const total = AbortSignal.timeout(this.limits.totalMs);
    const signal = AbortSignal.any([stall.signal, total]);
    const why = (error: unknown): UpdateFailed => {
      if (error instanceof UpdateFailed) return error;
      if (stall.signal.aborted) {
        return new UpdateFailed(
          `The firmware download stalled: no data came for ${duration(this.limits.stallMs)}. Check the device's connection to the cloud and start the update again. ${keeps}`,
        );
      }
      if (total.aborted) {
        return new UpdateFailed(
          `The firmware download did not finish within ${duration(this.limits.totalMs)}. Check the device's connection to the cloud and start the update again. ${keeps}`,
        );
      }
      return new UpdateFailed(
        `The firmware download broke off (${(error as Error).message}). Check the device's connection to the cloud and start the update again. ${keeps}`,
      );
    };

    armStall();
    progress(0);
    try {
      // Single-use URL: no retry with it, and no credentials of the device go with it.
      const response = await fetch(args.url, { signal, redirect: 'error' }).catch(
        (error: unknown) => {
          throw why(error);
        },
      );
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel().catch(() => {});
        throw new UpdateFailed(
          `The cloud answered the firmware download with HTTP ${response.status}; the download link may have expired or been used already. Start the update again. ${keeps}`,
        );
      }
      const hash = createHash('sha256');
      const meter = new ProgressMeter(args.bytes, progress);
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
          armStall();
          hash.update(chunk);
          meter.add(chunk.length);
          callback(null, chunk);
        },
      });
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      body.once('error', (error) => counted.destroy(error));
      body.pipe(counted);
      const upload = await this.device.uploads
        .receive(
          counted,
          {
            maxBytes: args.bytes,
            tooBig: () =>
              new UpdateFailed(
                `The download is longer than the ${args.bytes} bytes the cloud announced; it was changed in transit. ${keeps}`,
              ),
          },
          signal,
        )
        .catch((error: unknown) => {
          body.destroy();
          throw why(error);
        });
      this.publish({ type: 'firmware-progress', rolloutId: args.rolloutId, step: 'verifying' });
      if (upload.bytes !== args.bytes) {
        await this.device.uploads.discard(upload);
        throw new UpdateFailed(
          `The download ended after ${upload.bytes} of ${args.bytes} bytes; the image is incomplete. Start the update again. ${keeps}`,
        );
      }
      if (hash.digest('hex') !== args.sha256) {
        await this.device.uploads.discard(upload);
        throw new UpdateFailed(
          `The downloaded image does not match its SHA-256 digest; it was changed in transit. ${keeps}`,
        );
      }
      return upload;
    } finally {
      clearTimeout(stallTimer);
    }
  }

  /** 2N HTTP API §5.2.1 and §5.2.2: the checks (model, version) and restart of the vendor API. */
  async #install(upload: Upload): Promise<void> {
    const checked = await this.device.maintenance.uploadFirmware(upload);
    await this.device.maintenance.applyFirmware({ value: checked.fileId, param: 'fileId' });
  }
}

/** "5 minutes", "30 seconds", "0.5 seconds". */
function duration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} minutes` : `${ms / 1000} seconds`;
}

/** Reports 0 first, then each new tenth reached, so a large image costs ten events. */
class ProgressMeter {
  #received = 0;
  #reported = 0;
  private readonly bytes: number;
  private readonly report: (percent: number) => void;
  constructor(bytes: number, report: (percent: number) => void) {
    this.bytes = bytes;
    this.report = report;
  }

  add(length: number): void {
    this.#received += length;
    const tenth = Math.min(100, Math.floor((this.#received * 10) / this.bytes) * 10);
    if (tenth > this.#reported) {
      this.#reported = tenth;
      this.report(tenth);
    }
  }
}
