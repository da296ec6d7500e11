import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const FILE = 'master.key';

/** Reads a 32-byte key given as 64 hex digits or base64. */
export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new Error(
      `${source} must hold a 32-byte key as 64 hex digits or base64 (e.g. the output of "openssl rand -hex 32").`,
    );
  }
  return key;
}

/**
 * The server's master key: LATCHKEY_MASTER_KEY when set (several nodes must share it), else
 * `<data>/master.key`, created once with mode 0600. The key is written whole to a temporary
 * file and then hard-linked into place, which fails if the file exists: two processes starting at
 * once agree on one key and nobody reads a half-written file.
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.LATCHKEY_MASTER_KEY;
  if (fromEnv) return parseMasterKey(fromEnv, 'LATCHKEY_MASTER_KEY');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, FILE);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  return parseMasterKey(readFileSync(file, 'utf8'), file);
}
