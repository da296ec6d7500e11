import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateFolder, PRIVATE_FILE, tightenDataFolder } from './file-modes.ts';
import { writeFileAtomic } from './identity.writer.ts';
import { keyFitsDatabase } from './secrets/key-check.ts';
import { findMasterKey, parseMasterKey } from './secrets/master-key.ts';
import {
  backupSqliteFile,
  readSqliteImage,
  type BackupProgress,
  type SqliteImage,
} from './store/dialects/sqlite/database-backup.ts';
import { sqliteDialect } from './store/dialects/sqlite/dialect.ts';
import { dialectFor, migrationNames, sqliteFileFor } from './store/store.ts';

/** A backup or restore refused or failed; the message says why, what to do, what was left. */
export class DatabaseBackupError extends Error {
  override name = 'DatabaseBackupError';
}

const DATABASE_FILE = 'latchkey.db';
const KEY_FILE = 'master.key';
const BACKUP_DOC = 'docs/operations/backup.md';

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface BackupResult {
  out: string;
  bytes: number;
  pages: number;
  /** "LATCHKEY_MASTER_KEY" or the key file's path. */
  keyOrigin: string;
  /** Whether that key opens the backup; null when no key is there to try. */
  keyFits: boolean | null;
}

/**
 * An online backup of the cloud's SQLite database into `out`: written to `out.partial`, checked
 * as a restore would check it, fsynced, then renamed, so `out` is whole or absent. `onStep` may
 * throw (Ctrl-C) to abandon it; the partial file is removed on every failure.
 */
export async function writeDatabaseBackup(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  out: string;
  force: boolean;
  onStep: (progress: BackupProgress) => void;
}): Promise<BackupResult> {
  const { out } = options;
  const source = sqliteFileFor(options);
  if (source === null) {
    // A URL of no known scheme gets the store's own error; the URL is never echoed (a password).
    dialectFor(options);
    throw new DatabaseBackupError(
      `latchkey backup copies the SQLite database; this cloud runs on PostgreSQL, whose backup is pg_dump (see ${BACKUP_DOC}). Nothing was written.`,
    );
  }
  if (!existsSync(source)) {
    throw new DatabaseBackupError(
      `There is no database at ${source}: give the --data folder that latchkey serve uses. Nothing was written.`,
    );
  }
  if (existsSync(out) && !options.force) {
    throw new DatabaseBackupError(
      `${out} exists: give another --out, or --force to replace it. Nothing was written.`,
    );
  }
  if (!existsSync(dirname(out))) {
    throw new DatabaseBackupError(
      `The folder ${dirname(out)} does not exist. Nothing was written.`,
    );
  }
  const partial = `${out}.partial`;
  try {
    closeSync(openSync(partial, 'wx', PRIVATE_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new DatabaseBackupError(
      `${partial} exists: another latchkey backup is writing it, or one was killed. Remove it once no backup runs, and try again. Nothing was written.`,
    );
  }
  try {
    const progress = await backupSqliteFile(source, partial, options.onStep);
    const image = readSqliteImage(readFileSync(partial));
    if (image.integrity[0] !== 'ok' || image.migrations === null) {
      throw new DatabaseBackupError(
        `The copy of ${source} failed its check (${image.integrity.slice(0, 3).join('; ')}). Nothing was written.`,
      );
    }
    fsyncPath(partial);
    publish(partial, out, options.force);
    fsyncPath(dirname(out));
    // Where the cloud's key is, for the operator to keep with the backup (none is created).
    const key = findMasterKey(options.dataDir);
    return {
      out,
      bytes: statSync(out).size,
      pages: progress.totalPages,
      keyOrigin: key.origin,
      keyFits:
        key.key === null ? null : keyFitsDatabase(key.key, image.checkValue, image.sealedSecret),
    };
  } finally {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
  }
}

/** Renames `partial` to `out`; without `force`, a link that fails if `out` appeared meanwhile. */
function publish(partial: string, out: string, force: boolean): void {
  if (force) {
    renameSync(partial, out);
    return;
  }
  try {
    linkSync(partial, out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new DatabaseBackupError(
      `${out} appeared while the backup ran: give another --out, or --force. Nothing was written.`,
    );
  }
  unlinkSync(partial);
}

/** The master keys a restore is given, each to be checked against the backup. */
function restoreKeys(masterKeyFile: string | undefined, env: NodeJS.ProcessEnv) {
  const keys: { origin: string; key: Buffer }[] = [];
  if (masterKeyFile !== undefined) {
    if (!existsSync(masterKeyFile)) {
      throw new DatabaseBackupError(`--master-key-file ${masterKeyFile} does not exist.`);
    }
    const key = parseMasterKey(readFileSync(masterKeyFile, 'utf8'), masterKeyFile);
    keys.push({ origin: masterKeyFile, key });
  }
  if (env.LATCHKEY_MASTER_KEY) {
    const key = parseMasterKey(env.LATCHKEY_MASTER_KEY, 'LATCHKEY_MASTER_KEY');
    keys.push({ origin: 'LATCHKEY_MASTER_KEY', key });
  }
  if (keys.length === 0) {
    throw new DatabaseBackupError(
      'A restore needs the master key of the cloud the backup comes from (it is never in the backup): give --master-key-file with its master.key, or set LATCHKEY_MASTER_KEY. Nothing was written.',
    );
  }
  return keys;
}

function readImage(file: string, bytes: Buffer): SqliteImage {
  try {
    return readSqliteImage(bytes);
  } catch (error) {
    throw new DatabaseBackupError(
      `${file} is not a sound SQLite database (${(error as Error).message}): give a file written by latchkey backup. Nothing was written.`,
    );
  }
}

/** Refuses a file that is damaged, not Latchkey's, or newer than this program. */
async function checkImage(file: string, image: SqliteImage): Promise<void> {
  if (image.integrity.length !== 1 || image.integrity[0] !== 'ok') {
    throw new DatabaseBackupError(
      `${file} is damaged (PRAGMA integrity_check: ${image.integrity.slice(0, 3).join('; ')}): restore another backup. Nothing was written.`,
    );
  }
  if (image.migrations === null || !image.migrations.includes('0001_initial')) {
    throw new DatabaseBackupError(
      `${file} is a SQLite database but not a Latchkey one (it has no Latchkey migrations): give a file written by latchkey backup. Nothing was written.`,
    );
  }
  const known = new Set(await migrationNames(sqliteDialect(':memory:')));
  const newer = image.migrations.filter((name) => !known.has(name));
  if (newer.length > 0) {
    throw new DatabaseBackupError(
      `${file} comes from a newer Latchkey (migrations ${newer.join(', ')} are unknown to this one): restore it with that version or a later one. Nothing was written.`,
    );
  }
}

export interface RestoreResult {
  dataDir: string;
  migrations: number;
  /** Whether the key was written into the data folder (from --master-key-file). */
  keyFileWritten: boolean;
}

/**
 * Restores a backup into an empty (or new) data folder: checks the file and the master key
 * first, then writes the database (and the key file it was given) whole, owner-only.
 */
export async function restoreDatabaseBackup(options: {
  file: string;
  dataDir: string;
  masterKeyFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<RestoreResult> {
  const { file, dataDir } = options;
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new DatabaseBackupError(`${file} is not a file. Nothing was written.`);
  }
  if (existsSync(dataDir)) {
    if (!statSync(dataDir).isDirectory()) {
      throw new DatabaseBackupError(`${dataDir} is not a folder. Nothing was written.`);
    }
    const present = readdirSync(dataDir);
    if (present.length > 0) {
      throw new DatabaseBackupError(
        `${dataDir} is not empty (it holds ${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): restore into an empty or new folder, so that no cloud's data is overwritten or mixed in; bring the key with --master-key-file. Nothing was written.`,
      );
    }
  }
  const keys = restoreKeys(options.masterKeyFile, options.env ?? process.env);
  const bytes = readFileSync(file);
  const image = readImage(file, bytes);
  await checkImage(file, image);
  for (const { origin, key } of keys) {
    if (!keyFitsDatabase(key, image.checkValue, image.sealedSecret)) {
      throw new DatabaseBackupError(
        `The master key (${origin}) is not the key of the cloud this backup comes from, so its device secrets could not be opened. Give that cloud's key: --master-key-file with the master.key kept with the backup, or LATCHKEY_MASTER_KEY. Nothing was written.`,
      );
    }
  }
  ensurePrivateFolder(dataDir);
  writeFileAtomic(join(dataDir, DATABASE_FILE), bytes);
  const fromFile = keys.find((k) => k.origin === options.masterKeyFile);
  if (fromFile) writeFileAtomic(join(dataDir, KEY_FILE), `${fromFile.key.toString('hex')}\n`);
  tightenDataFolder(dataDir);
  return { dataDir, migrations: image.migrations!.length, keyFileWritten: fromFile !== undefined };
}
