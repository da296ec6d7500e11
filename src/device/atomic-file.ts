import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARKER = '.tmp-';

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old or the new
 * content, never a torn file: write a temp file in the same folder, fsync it, rename it over the
 * target (atomic on POSIX), then fsync the folder so the rename itself is durable.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const folder = dirname(path);
  const temp = join(
    folder,
    `.${basename(path)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const file = await open(temp, 'w', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems do not support fsync on folders; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/** Removes temp files a crash left behind for `path` (they never hold the live state). */
export async function removeStaleTempFiles(path: string): Promise<void> {
  const folder = dirname(path);
  const prefix = `.${basename(path)}${TEMP_MARKER}`;
  for (const name of await readdir(folder)) {
    if (name.startsWith(prefix)) await rm(join(folder, name), { force: true });
  }
}

/**
 * Creates the device's data folder owner-only (0700), or tightens one from before issue 14
 * (0755 with 0644 files): the folder to 0700 and every regular file directly in it to 0600, the
 * mode writeFileAtomic gives new files. Symbolic links are left alone.
 */
export async function ensurePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  for (const name of await readdir(folder)) {
    const path = join(folder, name);
    if ((await lstat(path)).isFile()) await chmod(path, 0o600);
  }
}
