import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateFolder, PRIVATE_FILE } from './file-modes.ts';

/**
 * Writes a file whole or not at all: temp file, fsync, rename, fsync of the folder. Owner-only by
 * default, its folder too: identities hold device secrets, certificates the security code.
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = PRIVATE_FILE): void {
  ensurePrivateFolder(dirname(file));
  const temp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** DESIGN.md: `identity.json` holds `{serialNumber, model, macAddress, secret}`, mode 0600. */
export function writeIdentityFile(
  file: string,
  identity: { serialNumber: string; model: string; macAddress: string; secret: Buffer },
): void {
  const json = JSON.stringify(
    {
      serialNumber: identity.serialNumber,
      model: identity.model,
      macAddress: identity.macAddress,
      secret: identity.secret.toString('hex'),
    },
    null,
    2,
  );
  writeFileAtomic(file, `${json}\n`);
}
