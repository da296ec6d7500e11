import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { StoreDialect } from '../dialect.ts';
import type { Database } from '../schema.ts';

/** PostgreSQL, for several cloud nodes on one database. */
export function postgresDialect(connectionString: string): StoreDialect {
  const url = new URL(connectionString);
  return {
    name: 'postgres',
    description: `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
    createKysely() {
      const pool = new pg.Pool({ connectionString, max: 10 });
      return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    },
    autoIncrementType: 'serial',
    autoIncrementColumn: (column) => column.primaryKey(),
    lockForUpdate: (query) => query.forUpdate(),
    async lockKeys(trx, keys) {
      for (const key of keys) {
        await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
      }
    },
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
  };
}
