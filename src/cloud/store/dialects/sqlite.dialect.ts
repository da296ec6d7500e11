import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { StoreDialect } from '../dialect.ts';
import type { Database } from '../schema.ts';

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing was 8 % of the server's CPU in the claims
 * benchmark (bench/NOTES.md). The same SQL text gets the same prepared statement back, which
 * better-sqlite3 allows as long as statements are not iterated concurrently (Kysely's driver
 * runs them to completion, synchronously).
 */
function withStatementCache(database: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
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
    createKysely() {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      const database = new SqliteDatabase(file);
      database.pragma('journal_mode = WAL');
      // Another process (latchkey mint while serve runs) may hold the write lock briefly.
      database.pragma('busy_timeout = 5000');
      database.pragma('foreign_keys = ON');
      database.pragma('synchronous = NORMAL');
      return new Kysely<Database>({
        dialect: new SqliteDialect({ database: withStatementCache(database) }),
      });
    },
    autoIncrementType: 'integer',
    autoIncrementColumn: (column) => column.primaryKey().autoIncrement(),
    // Kysely runs SQLite on one connection and a transaction holds it whole, so writers are
    // already serialised; SQLite has no FOR UPDATE.
    lockRows: async () => {},
    lockKeys: async () => {},
    isUniqueViolation: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
  };
}
