import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { ClaimCommitter } from './claim-committer.ts';
import type { PoolUse, StoreDialect } from './dialect.ts';
import { postgresDialect } from './dialects/postgres/dialect.ts';
import { sqliteDialect } from './dialects/sqlite/dialect.ts';
import { migrationProvider } from './migrations.ts';
import type { Database, Executor } from './schema.ts';

/** An open database with its migrations applied. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Runs `work` in one transaction: all of it is written, or none. */
  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
  /**
   * How many statements this store has run since it opened, failed ones included: what a
   * request or an event costs the database, for tests and metrics.
   */
  statementCount(): number;
  /** What the PostgreSQL pool holds now, for metrics; null on SQLite. */
  poolUse(): PoolUse | null;
  /** Claims read and committed the way this dialect does it best (claim-committer.ts). */
  readonly claims: ClaimCommitter;
  /** Whether the database answers (for readiness checks). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`, `sqlite:/path/file.db`, or undefined for SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Made once for the store's dialect, then told each statement's duration (metrics). */
  observeStatements?: (dialect: StoreDialect['name']) => StatementObserver;
}

/** The SQLite file these options name, or null for PostgreSQL (and an unknown scheme). */
export function sqliteFileFor(options: StoreOptions): string | null {
  const url = options.databaseUrl;
  if (url === undefined || url === '') return join(options.dataDir, 'latchkey.db');
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  return null;
}

/** Told how long one statement took, in milliseconds, failed ones included. */
export type StatementObserver = (milliseconds: number) => void;

/** Picks the dialect from the URL (`postgres://` or `postgresql://`, else SQLite). */
export function dialectFor(options: StoreOptions): StoreDialect {
  const url = options.databaseUrl;
  const file = sqliteFileFor(options);
  if (file !== null) return sqliteDialect(file);
  if (/^postgres(ql)?:\/\//.test(url!)) return postgresDialect(url!);
  throw new Error(
    `The database URL must start with postgres:// or sqlite:, got "${url!.split(':')[0]}:…".`,
  );
}

/** The names of every migration this program knows, in order. */
export async function migrationNames(dialect: StoreDialect): Promise<string[]> {
  return Object.keys(await migrationProvider(dialect).getMigrations());
}

/**
 * Brings the schema up to date and returns the names of the migrations it applied. Several
 * nodes may run it at once on PostgreSQL: Kysely's migrator takes an advisory lock first and
 * reads what is applied under it, so each migration runs once. A SQLite file has one node; a
 * second process migrating it at the same moment fails ("database is locked") and changes
 * nothing, since each migration is one transaction.
 */
async function migrate(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    throw new Error(`Could not migrate the database (${dialect.description}): ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrates the database without serving it (latchkey migrate): the names applied. */
export async function migrateDatabase(
  options: StoreOptions,
): Promise<{ applied: string[]; dialect: StoreDialect }> {
  const dialect = dialectFor(options);
  const db = dialect.createKysely();
  try {
    return { applied: await migrate(db, dialect), dialect };
  } finally {
    await db.destroy();
  }
}

/** Opens the database and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const dialect = dialectFor(options);
  let statements = 0;
  const observe = options.observeStatements?.(dialect.name);
  // Kysely calls the log function once per statement run, through any builder, raw `sql` and
  // prepared queries alike, with its duration (Kysely "Logging").
  const db = dialect.createKysely((event) => {
    statements += 1;
    observe?.(event.queryDurationMillis);
  });
  try {
    await migrate(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const transaction: Store['transaction'] = (work) => db.transaction().execute(work);
  return {
    db,
    dialect,
    transaction,
    statementCount: () => statements,
    poolUse: () => dialect.poolUse(),
    claims: dialect.claimCommitter({ db, dialect, transaction }),
    async ping() {
      try {
        await db.selectFrom('companies').select('id').limit(1).execute();
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}
