import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Encrypted backup format (all numbers unsigned bytes):
 *
 *   offset  size  field
 *   0       4     magic "LKBK"
 *   4       1     format version (1)
 *   5       1     scrypt cost as log2(N)
 *   6       1     scrypt r
 *   7       1     scrypt p
 *   8       16    salt
 *   24      12    AES-GCM iv
 *   36      16    password verifier: HMAC-SHA256(verifyKey, "latchkey-backup-verifier/1")[0..16]
 *   52      16    AES-GCM tag
 *   68      …     ciphertext of the configuration XML (UTF-8)
 *
 * scrypt(password, salt, 64) gives the AES-256 key (first 32 bytes) and the verify key (last 32).
 * Bytes 0–51 are authenticated as additional data. The verifier lets a restore tell "wrong
 * password" from "corrupted or tampered file" (the GCM tag fails while the verifier matches).
 * An unencrypted backup is the plain configuration XML.
 */
export const BACKUP_MAGIC = Buffer.from('LKBK', 'ascii');
export const BACKUP_FORMAT_VERSION = 1;
const HEADER_LENGTH = 68;
const AAD_LENGTH = 52;
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}
/**
 * The only cost this firmware writes, and so the only one a restore accepts: the header is
 * attacker-controlled, and any other value would let a forged file choose how much CPU and
 * memory a restore burns (RFC 7914 §2: cost grows as 128·r·N bytes and N·p rounds).
 */
export const BACKUP_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };
const KEY_LENGTH = 64;
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export type BackupProblem =
  'not-a-backup' | 'unsupported-version' | 'password-required' | 'wrong-password' | 'corrupted';

export type BackupReadResult =
  | { ok: true; xml: string; encrypted: boolean }
  | { ok: false; problem: BackupProblem; message: string };

/** Runs on libuv's thread pool so that a restore never blocks the device's event loop. */
async function deriveKeys(password: string, salt: Buffer, cost: ScryptCost) {
  const material = await scryptAsync(password.normalize('NFC'), salt, KEY_LENGTH, {
    N: 2 ** cost.log2N,
    r: cost.r,
    p: cost.p,
    maxmem: SCRYPT_MAXMEM,
  });
  const verifier = createHmac('sha256', material.subarray(32))
    .update('latchkey-backup-verifier/1')
    .digest()
    .subarray(0, 16);
  return { key: material.subarray(0, 32), verifier };
}

export async function encryptBackup(
  xml: string,
  password: string,
  cost: ScryptCost = BACKUP_COST,
): Promise<Buffer> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const { key, verifier } = await deriveKeys(password, salt, cost);
  const head = Buffer.concat([
    BACKUP_MAGIC,
    Buffer.from([BACKUP_FORMAT_VERSION, cost.log2N, cost.r, cost.p]),
    salt,
    iv,
    verifier,
  ]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(head);
  const ciphertext = Buffer.concat([cipher.update(xml, 'utf8'), cipher.final()]);
  return Buffer.concat([head, cipher.getAuthTag(), ciphertext]);
}

function looksLikeXml(file: Buffer): boolean {
  const start = file
    .subarray(0, 256)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return start.startsWith('<?xml') || start.startsWith('<DeviceDatabase');
}

/**
 * Opens a backup file; never throws for bad input, says what is wrong instead. `cost` is the
 * one scrypt cost accepted (tests pass a cheap one; the device always uses BACKUP_COST).
 */
export async function readBackup(
  file: Buffer,
  password: string | undefined,
  cost: ScryptCost = BACKUP_COST,
): Promise<BackupReadResult> {
  if (file.length >= 4 && file.subarray(0, 4).equals(BACKUP_MAGIC)) {
    return decrypt(file, password, cost);
  }
  if (looksLikeXml(file)) {
    return { ok: true, xml: file.toString('utf8').replace(/^\uFEFF/, ''), encrypted: false };
  }
  return {
    ok: false,
    problem: 'not-a-backup',
    message:
      'This file is not a configuration backup of this device. Choose a file downloaded with "Backup configuration".',
  };
}

async function decrypt(
  file: Buffer,
  password: string | undefined,
  cost: ScryptCost,
): Promise<BackupReadResult> {
  if (file.length < HEADER_LENGTH) {
    return {
      ok: false,
      problem: 'corrupted',
      message: 'The backup file is truncated. Download the backup again and use the complete file.',
    };
  }
  const [version, log2N, r, p] = [file[4]!, file[5]!, file[6]!, file[7]!];
  if (version !== BACKUP_FORMAT_VERSION) {
    return {
      ok: false,
      problem: 'unsupported-version',
      message: `The backup uses format version ${version}, which this firmware cannot read. Restore it on the firmware that made it.`,
    };
  }
  if (log2N !== cost.log2N || r !== cost.r || p !== cost.p) {
    return {
      ok: false,
      problem: 'corrupted',
      message:
        'The backup file is damaged (its header is not valid). Use an intact copy of the backup.',
    };
  }
  if (password === undefined || password === '') {
    return {
      ok: false,
      problem: 'password-required',
      message: 'This backup is encrypted. Enter the password that was set when it was downloaded.',
    };
  }
  const salt = file.subarray(8, 24);
  const iv = file.subarray(24, 36);
  const storedVerifier = file.subarray(36, 52);
  const tag = file.subarray(52, 68);
  const { key, verifier } = await deriveKeys(password, salt, cost);
  if (!timingSafeEqual(verifier, storedVerifier)) {
    return {
      ok: false,
      problem: 'wrong-password',
      message:
        'The password is wrong for this backup. Enter the password that was set when it was downloaded.',
    };
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(file.subarray(0, AAD_LENGTH));
    decipher.setAuthTag(tag);
    const xml = Buffer.concat([decipher.update(file.subarray(HEADER_LENGTH)), decipher.final()]);
    return { ok: true, xml: xml.toString('utf8'), encrypted: true };
  } catch {
    return {
      ok: false,
      problem: 'corrupted',
      message:
        'The backup file is corrupted or was modified (its integrity check failed). Use an intact copy of the backup.',
    };
  }
}
