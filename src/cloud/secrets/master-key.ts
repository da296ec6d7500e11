import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateFolder, tightenFile } from '../file-modes.ts';

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
 * Where this node's master key comes from. `create` is set when there is none yet: it writes a
 * new `<data>/master.key` and returns the key that ended up there. It is deferred so that a node
 * whose database already belongs to a cloud with a key (secrets/key-check.ts) creates nothing.
 */
export interface MasterKeySource {
  key: Buffer | null;
  create: (() => Buffer) | null;
  /** For messages: "LATCHKEY_MASTER_KEY" or the key file's path. */
  origin: string;
}

/**
 * The server's master key: LATCHKEY_MASTER_KEY when set (several nodes must share it), else
 * `<data>/master.key`, to be created once (mode 0600) when missing.
 */
export function findMasterKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): MasterKeySource {
  const fromEnv = env.LATCHKEY_MASTER_KEY;
  if (fromEnv) {
    return {
      key: parseMasterKey(fromEnv, 'LATCHKEY_MASTER_KEY'),
      create: null,
      origin: 'LATCHKEY_MASTER_KEY',
    };
  }
  const file = join(dataDir, FILE);
  if (existsSync(file)) {
    tightenFile(file);
    return { key: parseMasterKey(readFileSync(file, 'utf8'), file), create: null, origin: file };
  }
  return { key: null, create: () => createKeyFile(dataDir, file), origin: file };
}

/**
 * Writes a new key whole to a temporary file and hard-links it into place, which fails if the
 * file exists: two processes starting at once agree on one key and nobody reads a half-written
 * file.
 */
function createKeyFile(dataDir: string, file: string): Buffer {
  ensurePrivateFolder(dataDir);
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
