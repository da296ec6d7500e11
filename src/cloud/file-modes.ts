import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';

// The cloud's files hold password hashes, e-mails, sealed device secrets and the master key:
// owner only, whatever the umask (a umask only removes bits, and a mode given at creation does
// not reach files that already exist, hence the chmods).
export const PRIVATE_FOLDER = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates `folder` (and missing parents) owner-only, and tightens it if it exists. */
export function ensurePrivateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER });
  chmodIfLoose(folder, PRIVATE_FOLDER);
}

/**
 * Tightens an existing data folder from before issue 14: the folder to 0700 and every regular
 * file directly in it to 0600. Symbolic links are left alone (their target may be anywhere).
 */
export function tightenDataFolder(folder: string): void {
  if (!existsSync(folder)) return;
  chmodIfLoose(folder, PRIVATE_FOLDER);
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (lstatSync(path).isFile()) chmodIfLoose(path, PRIVATE_FILE);
  }
}

/** Only when needed: a folder already private on a read-only mount must not fail the start. */
function chmodIfLoose(path: string, mode: number): void {
  if ((lstatSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
}

/** Creates `file` empty with mode 0600 unless it exists, and tightens it either way. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  chmodIfLoose(file, PRIVATE_FILE);
}

/** Tightens `file` to 0600 when it exists. */
export function tightenFile(file: string): void {
  if (existsSync(file)) chmodIfLoose(file, PRIVATE_FILE);
}
