import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { StoreDialect } from '../../dialect.ts';
import { postgresClaimCommitter } from './claim.committer.ts';
import type { Database } from '../../schema.ts';
import { commitClaimFunction } from './functions.ts';
import { namedStatementsClient } from './statements.ts';

/** PostgreSQL, for several cloud nodes on one database. */
export function postgresDialect(connectionString: string): StoreDialect {
  const url = new URL(connectionString);
  let current: pg.Pool | null = null;
  return {
    name: 'postgres',
    description: `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
    createKysely(log) {
      const pool = new pg.Pool({ Client: namedStatementsClient(), connectionString, max: 10 });
      // An idle connection the server ended (a restart, pg_terminate_backend) is reported here;
      // the pool has already dropped it and opens another when needed. Without a listener the
      // error would end the process, though it belongs to no request (node-postgres "Pool").
      pool.on('error', () => {});
      current = pool;
      return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    },
    poolUse: () =>
      current && {
        total: current.totalCount,
        idle: current.idleCount,
        waiting: current.waitingCount,
      },
    autoIncrementType: 'serial',
    binaryType: 'bytea',
    autoIncrementColumn: (column) => column.primaryKey(),
    async lockRows(query) {
      await query.forUpdate().execute();
    },
    async lockKeys(trx, keys) {
      if (keys.length === 0) return;
      // One round trip for all keys (a claim takes two while others may wait on them): the
      // select list is evaluated left to right, so they are still taken in the order given.
      const locks = keys.map((key) => sql`pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
      await sql`select ${sql.join(locks)}`.execute(trx);
    },
    serialisesWriters: false,
    commitClaimFunction,
    claimCommitter: postgresClaimCommitter,
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
  };
}
