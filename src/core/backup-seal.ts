import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { fail, ok, type Result } from './result.ts';

/**
 * Issue 19: configuration backups kept in the cloud. Two sealed formats (all numbers bytes):
 *
 * A backup a device sends, sealed to its site's X25519 public key (ECIES: RFC 7748 key
 * agreement, RFC 5869 HKDF-SHA256, AES-256-GCM), so that only the site's private key opens it:
 *
 *   0   4   magic "LKSB"
 *   4   1   format version (1)
 *   5   32  the sender's ephemeral X25519 public key (raw)
 *   37  12  AES-GCM iv
 *   49  16  AES-GCM tag
 *   65  …   ciphertext
 *
 * key = HKDF(shared secret, salt = ephemeral public ‖ site public, info "latchkey-site-backup/1").
 *
 * A backup the cloud sends back for a restore, sealed to one device with a key derived from its
 * device secret (which the registry and the device both hold):
 *
 *   0   4   magic "LKDR"
 *   4   1   format version (1)
 *   5   12  AES-GCM iv
 *   17  16  AES-GCM tag
 *   33  …   ciphertext
 *
 * key = HKDF(device secret, salt = serial number, info "latchkey-backup-restore/1"). In both,
 * the bytes before the tag are authenticated as additional data.
 */
const SITE_MAGIC = Buffer.from('LKSB', 'ascii');
const DEVICE_MAGIC = Buffer.from('LKDR', 'ascii');
const VERSION = 1;
const SITE_INFO = 'latchkey-site-backup/1';
const DEVICE_INFO = 'latchkey-backup-restore/1';

/** A site's backup key pair: the public key as base64 SPKI DER, the private as PKCS #8 DER. */
export interface SiteBackupKeys {
  publicKey: string;
  privateKey: Buffer;
}

export function newSiteBackupKeys(): SiteBackupKeys {
  const pair = generateKeyPairSync('x25519');
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
  };
}

const rawPublic = (key: ReturnType<typeof createPublicKey>): Buffer =>
  // An X25519 SPKI DER is a fixed 12-byte prefix and the 32-byte key (RFC 8410 §4).
  key.export({ type: 'spki', format: 'der' }).subarray(-32);

const spkiOf = (raw: Buffer) =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });

function aesSeal(key: Buffer, header: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([header, iv]));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

function aesOpen(key: Buffer, sealed: Buffer, headerLength: number): Buffer | null {
  const iv = sealed.subarray(headerLength, headerLength + 12);
  const tag = sealed.subarray(headerLength + 12, headerLength + 28);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(sealed.subarray(0, headerLength + 12));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(headerLength + 28)), decipher.final()]);
  } catch {
    return null;
  }
}

/** Seals `plain` so that only the holder of the site's private key opens it. */
export function sealToSite(plain: Buffer, sitePublicKey: string): Result<Buffer> {
  let recipient;
  try {
    recipient = createPublicKey({
      key: Buffer.from(sitePublicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return fail('the site key is not an X25519 public key');
  }
  if (recipient.asymmetricKeyType !== 'x25519') return fail('the site key is not X25519');
  const ephemeral = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const ephemeralRaw = rawPublic(ephemeral.publicKey);
  const salt = Buffer.concat([ephemeralRaw, rawPublic(recipient)]);
  const key = Buffer.from(hkdfSync('sha256', shared, salt, SITE_INFO, 32));
  const header = Buffer.concat([SITE_MAGIC, Buffer.from([VERSION]), ephemeralRaw]);
  return ok(aesSeal(key, header, plain));
}

/** Opens a backup sealed to the site; fails for another site's key or a changed byte. */
export function openFromDevice(sealed: Buffer, privateKey: Buffer): Result<Buffer> {
  if (sealed.length < 65 || !sealed.subarray(0, 4).equals(SITE_MAGIC)) {
    return fail('not a sealed backup');
  }
  if (sealed[4] !== VERSION) return fail(`unsupported sealed backup version ${sealed[4]}`);
  const own = createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' });
  const ephemeralRaw = sealed.subarray(5, 37);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: own, publicKey: spkiOf(Buffer.from(ephemeralRaw)) });
  } catch {
    return fail('the backup was sealed to another key or is damaged');
  }
  const salt = Buffer.concat([ephemeralRaw, rawPublic(createPublicKey(own))]);
  const key = Buffer.from(hkdfSync('sha256', shared, salt, SITE_INFO, 32));
  const plain = aesOpen(key, sealed, 37);
  return plain ? ok(plain) : fail('the backup was sealed to another site or is damaged');
}

const deviceKey = (secret: Buffer, serial: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, Buffer.from(serial, 'ascii'), DEVICE_INFO, 32));

/** Seals a backup for one device's restore (`secret`: the device secret, 32 bytes). */
export function sealForDevice(plain: Buffer, secret: Buffer, serial: string): Buffer {
  return aesSeal(
    deviceKey(secret, serial),
    Buffer.concat([DEVICE_MAGIC, Buffer.from([VERSION])]),
    plain,
  );
}

/** Opens what the cloud sealed for this device; fails for another device or a changed byte. */
export function openForDevice(sealed: Buffer, secret: Buffer, serial: string): Result<Buffer> {
  if (sealed.length < 33 || !sealed.subarray(0, 4).equals(DEVICE_MAGIC)) {
    return fail('not a backup sealed for a device');
  }
  if (sealed[4] !== VERSION) return fail(`unsupported sealed backup version ${sealed[4]}`);
  const plain = aesOpen(deviceKey(secret, serial), sealed, 5);
  return plain ? ok(plain) : fail('the backup was sealed for another device or is damaged');
}
