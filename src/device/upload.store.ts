import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An uploaded file on disk, owned by whoever holds it until it is kept or discarded. */
export interface Upload {
  readonly path: string;
  readonly bytes: number;
}

export interface UploadLimit {
  maxBytes: number;
  /** The refusal once the stream passes `maxBytes` (vendor error 13 for every adapter). */
  tooBig: () => Error;
}

/**
 * Uploads (firmware images, configuration backups) streamed to `<data>/tmp`, so that an
 * authenticated 32 MiB upload costs disk, not memory, in a process that may run thousands of
 * emulated devices. A file exists only while its request or a service holds it.
 */
export class UploadStore {
  readonly folder: string;
  constructor(dataDir: string) {
    this.folder = join(dataDir, 'tmp');
  }

  /**
   * Creates the folder owner-only (tightening one an older version left looser) and removes what
   * a killed process left in it (nothing there survives a restart).
   */
  async prepare(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await chmod(this.folder, 0o700);
    for (const name of await readdir(this.folder)) {
      await rm(join(this.folder, name), { force: true, recursive: true });
    }
  }

  /**
   * Writes `source` to a new 0600 file, failing with `limit.tooBig()` once it passes the cap
   * and with the source's error when the client goes away; on any failure the file is gone.
   * The source is not destroyed on a refusal, so the adapter can still answer.
   */
  async receive(source: Readable, limit: UploadLimit, signal?: AbortSignal): Promise<Upload> {
    const path = join(this.folder, `upload-${randomBytes(12).toString('hex')}`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        bytes += chunk.length;
        if (bytes > limit.maxBytes) callback(limit.tooBig());
        else callback(null, chunk);
      },
    });
    const sourceFailed = (error: Error) => counter.destroy(error);
    source.once('error', sourceFailed);
    // A source that closes without ending (socket destroyed mid-body) never errors on its own.
    const sourceClosed = () => {
      if (!source.readableEnded) counter.destroy(new Error('the upload was interrupted'));
    };
    source.once('close', sourceClosed);
    const written = pipeline(
      counter,
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
      signal ? { signal } : {},
    );
    source.pipe(counter);
    try {
      await written;
      return { path, bytes };
    } catch (error) {
      source.unpipe(counter);
      await rm(path, { force: true });
      throw error;
    } finally {
      source.off('error', sourceFailed);
      source.off('close', sourceClosed);
    }
  }

  /** Moves an upload to `name` in the folder (replacing what was there), for a service to keep. */
  async keep(upload: Upload, name: string): Promise<Upload> {
    const path = join(this.folder, name);
    await rename(upload.path, path);
    return { path, bytes: upload.bytes };
  }

  async discard(upload: Upload | null | undefined): Promise<void> {
    if (upload) await rm(upload.path, { force: true });
  }
}

/** The first `length` bytes of an upload (a firmware header), without reading the rest. */
export async function readUploadHead(upload: Upload, length: number): Promise<Buffer> {
  const file = await open(upload.path, 'r');
  try {
    const head = Buffer.alloc(Math.min(length, upload.bytes));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The whole upload, for small files whose cap was checked while streaming. */
export function readUpload(upload: Upload): Promise<Buffer> {
  return readFile(upload.path);
}
