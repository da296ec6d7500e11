import type { ColumnDefinitionBuilder, Kysely, LogConfig, SelectQueryBuilder } from 'kysely';
import type { ClaimCommitter } from './claim-committer.ts';
import type { Database, Executor } from './schema.ts';

/** What a connection pool holds now (PostgreSQL; node-postgres "Pool" properties). */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * Everything that differs between the database engines, in one place per engine (as Kysely's
 * own src/dialect/*): the rest of the store is written once.
 */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /** A human description of where the data lives, for logs (never with a password). */
  readonly description: string;
  /** `log` sees every statement the database runs (the store counts them, store.ts). */
  createKysely(log?: LogConfig): Kysely<Database>;
  /** The pool of the last Kysely made (metrics); null where there is none (SQLite). */
  poolUse(): PoolUse | null;
  readonly autoIncrementType: 'integer' | 'serial';
  /** The column type of raw bytes (issue 19: firmware images, backups): Buffer on both. */
  readonly binaryType: 'blob' | 'bytea';
  autoIncrementColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Locks the rows `query` selects until the transaction ends (PostgreSQL FOR UPDATE), in a
   * statement of its own: a statement that waited for a row lock still sees the other tables
   * as they were when it started, so what depends on the lock is read afterwards. SQLite runs
   * no statement (its write transactions are serialised already).
   */
  lockRows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): Promise<void>;
  isUniqueViolation(error: unknown): boolean;
  /**
   * Whether one write transaction always waits for the one before it (SQLite): then writes
   * arriving together lose nothing by sharing one transaction and one commit (group commit).
   */
  readonly serialisesWriters: boolean;
  /**
   * Serialises transactions that name the same keys until they end (PostgreSQL advisory
   * transaction locks); callers pass keys in a stable order so two never wait on each other.
   */
  lockKeys(trx: Kysely<Database>, keys: readonly string[]): Promise<void>;
  /**
   * The DDL of the stored function that commits decided claims in one statement
   * (dialects/postgres/functions.ts), or null where statements cost no round trip (SQLite, in
   * process).
   */
  readonly commitClaimFunction: string | null;
  /** How claims are read and committed on this engine (dialects/<name>/claim.committer.ts). */
  claimCommitter(store: {
    db: Kysely<Database>;
    dialect: StoreDialect;
    transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
  }): ClaimCommitter;
}
