import SqliteDatabase from 'better-sqlite3';

/** How far a backup has come, in database pages. */
export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
}

const FIRST_STEP_PAGES = 100;

/**
 * Copies the SQLite database `source` into `dest` while other processes (latchkey serve) keep
 * writing to it, with SQLite's online backup API: each step copies pages under one read
 * transaction, and a write by another connection between two steps makes SQLite start again
 * ("Using the SQLite Online Backup API", sqlite3_backup_step). So each restart makes the steps
 * four times larger: under a steady stream of writes, the copy ends in one step, which sees one
 * committed state. `dest` then leaves WAL mode, so the backup is one file with nothing beside it.
 * `onStep` may throw to abandon the copy (Ctrl-C); `dest` is then incomplete and the caller
 * removes it.
 */
export async function backupSqliteFile(
  source: string,
  dest: string,
  onStep: (progress: BackupProgress) => void,
): Promise<BackupProgress> {
  const database = new SqliteDatabase(source, { fileMustExist: true });
  try {
    // The server may hold the write lock for a moment (as mint does beside it, dialect.ts).
    database.pragma('busy_timeout = 5000');
    let pages = FIRST_STEP_PAGES;
    let lastRemaining = Infinity;
    const result = await database.backup(dest, {
      progress(progress) {
        if (progress.remainingPages > lastRemaining) pages *= 4;
        lastRemaining = progress.remainingPages;
        onStep(progress);
        return pages;
      },
    });
    onStep(result);
    const copy = new SqliteDatabase(dest, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    return result;
  } finally {
    database.close();
  }
}

/** What a restore needs to know of a database file before it writes anything. */
export interface SqliteImage {
  /** `PRAGMA integrity_check`'s findings: `['ok']` for a sound file. */
  integrity: string[];
  /** The names in Kysely's migrations table, or null when the file has none. */
  migrations: string[] | null;
  /** The master key's check value (secrets/key-check.ts), when recorded. */
  checkValue: string | null;
  /** One sealed device secret, for a database from before the check value. */
  sealedSecret: { serial_number: string; secret_enc: string } | null;
}

// SQLite file format §1.3: the header's bytes 18 and 19 are 2 for WAL; a file opened from memory
// cannot be in WAL mode (there is no -wal to read), so the copy is read as a rollback one.
const WRITE_VERSION_OFFSET = 18;
const READ_VERSION_OFFSET = 19;
const HEADER_BYTES = 100;

function hasTable(database: SqliteDatabase.Database, name: string): boolean {
  return (
    database.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !==
    undefined
  );
}

/**
 * Reads `bytes` as a SQLite database in memory (sqlite3_deserialize): nothing is created beside
 * the file, whatever it holds. Throws the driver's error (SQLITE_NOTADB, SQLITE_CORRUPT, …) for
 * a file that is no database.
 */
export function readSqliteImage(bytes: Buffer): SqliteImage {
  const copy = Buffer.from(bytes);
  if (copy.length >= HEADER_BYTES && copy[WRITE_VERSION_OFFSET] === 2) {
    copy[WRITE_VERSION_OFFSET] = 1;
    copy[READ_VERSION_OFFSET] = 1;
  }
  const database = new SqliteDatabase(copy, { readonly: true });
  try {
    const integrity = database.pragma('integrity_check', { simple: false }) as {
      integrity_check: string;
    }[];
    const findings = integrity.map((row) => row.integrity_check);
    if (findings.length !== 1 || findings[0] !== 'ok') {
      return { integrity: findings, migrations: null, checkValue: null, sealedSecret: null };
    }
    const migrations = hasTable(database, 'kysely_migration')
      ? (
          database.prepare('select name from kysely_migration order by name').all() as {
            name: string;
          }[]
        ).map((row) => row.name)
      : null;
    const check = hasTable(database, 'master_key_check')
      ? (database.prepare('select check_value from master_key_check where id = 1').get() as
          { check_value: string } | undefined)
      : undefined;
    const sealed = hasTable(database, 'devices')
      ? (database
          .prepare('select serial_number, secret_enc from devices order by serial_number limit 1')
          .get() as SqliteImage['sealedSecret'] | undefined)
      : undefined;
    return {
      integrity: findings,
      migrations,
      checkValue: check?.check_value ?? null,
      sealedSecret: sealed ?? null,
    };
  } finally {
    database.close();
  }
}
