import { LatchkeyError } from '../../core/errors.ts';
import { firmwareRepo } from '../store/repos/firmware.repo.ts';
import type { Store } from '../store/store.ts';
import type { LinkTransfers } from './link-transfers.service.ts';

/**
 * Issue 19: a device downloads the image of its rollout through the single-use URL it was
 * sent. The token is the only credential; it names one device and one image and works once.
 * The bytes come from the catalogue's cache (firmware.cache.ts): a rollout sends one image to
 * hundreds of devices, read from the database once.
 */
export function createFirmwareDownloads(deps: {
  store: Store;
  transfers: LinkTransfers;
  content: (sha256: string) => Promise<Buffer | undefined>;
}) {
  let bytesServed = 0;
  let downloads = 0;
  return {
    /** The image a valid token names; LINK_TRANSFER_INVALID for any other token. */
    async take(token: string): Promise<{ body: Buffer; sha256: string; filename: string }> {
      const transfer = await deps.transfers.take(token, 'firmware');
      const image = transfer ? await firmwareRepo(deps.store.db).image(transfer.ref) : undefined;
      const body = image ? await deps.content(image.sha256) : undefined;
      if (!image || !body) throw new LatchkeyError('LINK_TRANSFER_INVALID');
      downloads += 1;
      bytesServed += body.length;
      return { body, sha256: image.sha256, filename: image.filename };
    },
    /** What was served since the node started (the benchmark reads it). */
    stats: () => ({ downloads, bytesServed }),
  };
}

export type FirmwareDownloads = ReturnType<typeof createFirmwareDownloads>;
