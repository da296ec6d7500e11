import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { StoreDialect } from '../dialect.ts';
import type { Database } from '../schema.ts';

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
      return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    },
    autoIncrementType: 'integer',
    autoIncrementColumn: (column) => column.primaryKey().autoIncrement(),
    // Kysely runs SQLite on one connection and a transaction holds it whole, so writers are
    // already serialised; SQLite has no FOR UPDATE.
    lockForUpdate: (query) => query,
    lockKeys: async () => {},
    isUniqueViolation: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
  };
}
