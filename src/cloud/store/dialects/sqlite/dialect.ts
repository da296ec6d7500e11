import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { StoreDialect } from '../../dialect.ts';
import { sqliteClaimCommitter } from './claim.committer.ts';
import type { Database } from '../../schema.ts';
import * as sqliteFiles from './files.ts';

const STATEMENT_CACHE_SIZE = 256;

// The checkpointer's own connection, in a worker thread (plain JavaScript, so it needs no
// TypeScript loader). PASSIVE never waits for or blocks the server's connection (SQLite
// "Write-Ahead Logging" §3.3).
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;
const CHECKPOINT_INTERVAL_MS = 250;
// Pages the server's own connection lets the WAL reach before it checkpoints by itself: the
// fallback should the checkpointer fall behind or fail (SQLite's default is 1,000).
const FALLBACK_AUTOCHECKPOINT = 10_000;

/**
 * Moves WAL checkpoints off the request path: with SQLite's automatic checkpoint, every
 * thousandth page written made one commit copy the WAL into the database and fsync it, which
 * cost 34 µs per claim on average (bench/NOTES.md). Returns the function that stops it.
 */
function startCheckpointer(database: SqliteDatabase.Database, file: string): () => void {
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  // Never what keeps a process alive (a CLI command that opened the store ends normally).
  worker.unref();
  database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
  worker.once('error', () => {
    if (database.open) database.pragma('wal_autocheckpoint = 1000');
  });
  return () => worker.postMessage('stop');
}

/**
 * Kysely prepares every query anew; preparing was 8 % of the server's CPU in the claims
 * benchmark (bench/NOTES.md). The same SQL text gets the same prepared statement back, which
 * better-sqlite3 allows as long as statements are not iterated concurrently (Kysely's driver
 * runs them to completion, synchronously).
 */
function withStatementCache(database: SqliteDatabase.Database, onClose: () => void) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      onClose();
      database.close();
    },
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE)
          statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** The embedded default: one SQLite file in WAL mode. */
export function sqliteDialect(file: string): StoreDialect {
  return {
    name: 'sqlite',
    description: `SQLite at ${file}`,
    createKysely(log) {
      if (file !== ':memory:') sqliteFiles.beforeOpen(file);
      const database = new SqliteDatabase(file);
      database.pragma('journal_mode = WAL');
      if (file !== ':memory:') sqliteFiles.afterOpen(file);
      // Another process (latchkey mint while serve runs) may hold the write lock briefly.
      database.pragma('busy_timeout = 5000');
      database.pragma('foreign_keys = ON');
      database.pragma('synchronous = NORMAL');
      const stopCheckpointer = file === ':memory:' ? () => {} : startCheckpointer(database, file);
      return new Kysely<Database>({
        dialect: new SqliteDialect({ database: withStatementCache(database, stopCheckpointer) }),
        log,
      });
    },
    // One connection, no pool: statements queue in process (Kysely's SQLite driver).
    poolUse: () => null,
    autoIncrementType: 'integer',
    binaryType: 'blob',
    autoIncrementColumn: (column) => column.primaryKey().autoIncrement(),
    // Kysely runs SQLite on one connection and a transaction holds it whole, so writers are
    // already serialised; SQLite has no FOR UPDATE.
    lockRows: async () => {},
    lockKeys: async () => {},
    serialisesWriters: true,
    commitClaimFunction: null,
    claimCommitter: sqliteClaimCommitter,
    isUniqueViolation: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
  };
}
