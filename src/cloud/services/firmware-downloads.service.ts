import { LatchkeyError } from '../../core/errors.ts';
import { firmwareRepo } from '../store/repos/firmware.repo.ts';
import type { Store } from '../store/store.ts';
import type { LinkTransfers } from './link-transfers.service.ts';

/**
 * Issue 19: a device downloads the image of its rollout through the single-use URL it was
 * sent. The token is the only credential; it names one device and one image and works once.
 * The bytes of the images being rolled out are kept in memory (a rollout sends one image to
 * hundreds of devices), the most recent first, up to `cacheBytes`.
 */
export function createFirmwareDownloads(deps: {
  store: Store;
  transfers: LinkTransfers;
  /** The image bytes by digest (the catalogue's cache when it has one). */
  content?: (sha256: string) => Promise<Buffer | undefined>;
  cacheBytes?: number;
}) {
  const cacheBytes = deps.cacheBytes ?? 128 * 1024 * 1024;
  const cache = new Map<string, Buffer>();
  let bytesServed = 0;
  let downloads = 0;

  async function content(sha256: string): Promise<Buffer | undefined> {
    if (deps.content) return deps.content(sha256);
    const cached = cache.get(sha256);
    if (cached) {
      cache.delete(sha256);
      cache.set(sha256, cached);
      return cached;
    }
    const bytes = await firmwareRepo(deps.store.db).blob(sha256);
    if (!bytes || bytes.length > cacheBytes) return bytes;
    cache.set(sha256, bytes);
    let held = [...cache.values()].reduce((sum, buffer) => sum + buffer.length, 0);
    for (const [key, buffer] of cache) {
      if (held <= cacheBytes) break;
      cache.delete(key);
      held -= buffer.length;
    }
    return bytes;
  }

  return {
    /** The image a valid token names; LINK_TRANSFER_INVALID for any other token. */
    async take(token: string): Promise<{ body: Buffer; sha256: string; filename: string }> {
      const transfer = await deps.transfers.take(token, 'firmware');
      const image = transfer ? await firmwareRepo(deps.store.db).image(transfer.ref) : undefined;
      const body = image ? await content(image.sha256) : undefined;
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
