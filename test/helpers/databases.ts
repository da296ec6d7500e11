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

/** The PostgreSQL server tests use: LATCHKEY_TEST_DATABASE_URL, else the local one. */
export const postgresAdminUrl =
  process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${name}`;
    const dataDir = tempDir();
    return {
      dataDir,
      databaseUrl: url.toString(),
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
        const client = new pg.Client({ connectionString: postgresAdminUrl });
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
