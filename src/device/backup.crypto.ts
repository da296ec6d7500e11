import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';

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
const DEFAULT_COST = { log2N: 15, r: 8, p: 1 };

export type BackupProblem =
  'not-a-backup' | 'unsupported-version' | 'password-required' | 'wrong-password' | 'corrupted';

export type BackupReadResult =
  | { ok: true; xml: string; encrypted: boolean }
  | { ok: false; problem: BackupProblem; message: string };

function deriveKeys(password: string, salt: Buffer, cost: { log2N: number; r: number; p: number }) {
  const material = scryptSync(password.normalize('NFC'), salt, 64, {
    N: 2 ** cost.log2N,
    r: cost.r,
    p: cost.p,
    maxmem: 256 * 1024 * 1024,
  });
  const verifier = createHmac('sha256', material.subarray(32))
    .update('latchkey-backup-verifier/1')
    .digest()
    .subarray(0, 16);
  return { key: material.subarray(0, 32), verifier };
}

export function encryptBackup(xml: string, password: string, cost = DEFAULT_COST): Buffer {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const { key, verifier } = deriveKeys(password, salt, cost);
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

/** Opens a backup file; never throws for bad input, says what is wrong instead. */
export function readBackup(file: Buffer, password: string | undefined): BackupReadResult {
  if (file.length >= 4 && file.subarray(0, 4).equals(BACKUP_MAGIC)) {
    return decrypt(file, password);
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

function decrypt(file: Buffer, password: string | undefined): BackupReadResult {
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
  if (log2N < 10 || log2N > 20 || r < 1 || r > 16 || p < 1 || p > 4) {
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
  const { key, verifier } = deriveKeys(password, salt, { log2N, r, p });
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
