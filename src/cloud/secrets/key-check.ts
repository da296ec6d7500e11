import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../services/clock.ts';
import { masterKeyCheckRepo } from '../store/repos/master-key-check.repo.ts';
import type { Store } from '../store/store.ts';
import type { MasterKeySource } from './master-key.ts';
import { deriveKey, SecretBox } from './secret-box.ts';

/** A node's master key differs from the one its cloud's database was started with. */
export class MasterKeyMismatchError extends Error {
  constructor(origin: string, database: string) {
    super(
      `The master key (${origin}) is not the key of the cloud whose database this is (${database}), ` +
        "so this node could not open device secrets nor check other nodes' sessions. " +
        'Set the same LATCHKEY_MASTER_KEY on every node of the cloud and on every latchkey mint ' +
        '(or use the data folder holding its master.key), then start again. Nothing was changed.',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * The value stored in the database for the master key: an HKDF output under a purpose of its
 * own (RFC 5869), which reveals nothing of the key nor of the keys derived for other purposes.
 */
export function keyCheckValue(masterKey: Buffer): string {
  return deriveKey(masterKey, 'master-key-check').toString('hex');
}

function sameValue(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Whether `key` is the key of a database that recorded `recorded` as its check value, or, from
 * before the check value, sealed `sealed` (latchkey restore checks a backup with it). A database
 * with neither takes any key.
 */
export function keyFitsDatabase(
  key: Buffer,
  recorded: string | null,
  sealed: { serial_number: string; secret_enc: string } | null,
): boolean {
  if (recorded !== null) return sameValue(recorded, keyCheckValue(key));
  if (sealed === null) return true;
  try {
    new SecretBox(key, 'device-secret').open(sealed.secret_enc, sealed.serial_number);
    return true;
  } catch {
    return false;
  }
}

/**
 * The master key this node may use with `store`, or MasterKeyMismatchError. The first node to
 * start records the check value; the others compare. A database from before the check value
 * proves its key by one device secret it sealed (AES-GCM fails under another key).
 */
export async function checkMasterKey(
  store: Store,
  source: MasterKeySource,
  clock: Clock,
): Promise<Buffer> {
  const repo = masterKeyCheckRepo(store.db);
  const mismatch = () => new MasterKeyMismatchError(source.origin, store.dialect.description);
  const recorded = await repo.get();
  if (recorded !== undefined) {
    if (source.key === null || !sameValue(recorded, keyCheckValue(source.key))) throw mismatch();
    return source.key;
  }
  const sealed = await repo.anySealedSecret();
  // A new key file cannot open secrets sealed before it existed: refuse before writing it.
  if (sealed && source.key === null) throw mismatch();
  const key = source.key ?? source.create!();
  if (sealed) {
    try {
      new SecretBox(key, 'device-secret').open(sealed.secret_enc, sealed.serial_number);
    } catch {
      throw mismatch();
    }
  }
  await repo.record(keyCheckValue(key), clock.now().toISOString());
  // Another node may have recorded its value first.
  if (!sameValue((await repo.get())!, keyCheckValue(key))) throw mismatch();
  return key;
}
