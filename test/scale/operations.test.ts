import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { namedStatementsClient } from '../../src/cloud/store/dialects/postgres/statements.ts';
import { openStore } from '../../src/cloud/store/store.ts';
import { postgresTestDialect } from '../helpers/databases.ts';
import { spawnServe } from '../helpers/processes.ts';
import { startTestBroker } from './mosquitto.ts';

describe('PostgreSQL connections', () => {
  it('keeps serving when the server ends an idle connection', async (t) => {
    const database = await postgresTestDialect.create();
    t.after(() => database.drop());
    const store = await openStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl });
    t.after(() => store.close());
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
    // The connection is idle in the pool now; end it from another session, as a restart would.
    const admin = await openStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl });
    try {
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin.db);
    } finally {
      await admin.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await store.ping(), true);
  });

  it('runs a repeated statement as one prepared statement per connection', async (t) => {
    const database = await postgresTestDialect.create();
    t.after(() => database.drop());
    const store = await openStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl });
    t.after(() => store.close());
    const find = (db: typeof store.db, id: string) =>
      db.selectFrom('users').selectAll().where('id', '=', id);
    const prepared = await store.transaction(async (trx) => {
      // A transaction keeps one connection, so both runs and the look-up share it.
      await find(trx, 'a').execute();
      await find(trx, 'b').execute();
      return (
        await sql<{
          name: string;
        }>`select name from pg_prepared_statements where statement = ${find(trx, '').compile().sql}`.execute(
          trx,
        )
      ).rows;
    });
    assert.equal(prepared.length, 1);
    assert.match(prepared[0]!.name, /^latchkey_\d+$/);
  });

  it('prepares a statement again once a migration changed the columns it returns', async (t) => {
    const database = await postgresTestDialect.create();
    const pool = new pg.Pool({
      Client: namedStatementsClient(),
      connectionString: database.databaseUrl,
      max: 1,
    });
    t.after(async () => {
      await pool.end();
      await database.drop();
    });
    await pool.query('create table gadgets (id integer primary key)');
    await pool.query('insert into gadgets values (1)');
    const select = () => pool.query('select * from gadgets where id = $1', [1]);
    assert.deepEqual((await select()).rows, [{ id: 1 }]);

    await pool.query('alter table gadgets add column name text');
    // PostgreSQL refuses the statement prepared before the change once; it is prepared anew.
    await assert.rejects(select(), { code: '0A000' });
    assert.deepEqual((await select()).rows, [{ id: 1, name: null }]);
  });
});

describe('migrations from several nodes at once', () => {
  it('brings one fresh PostgreSQL database up to date from four nodes starting together', async (t) => {
    const database = await postgresTestDialect.create();
    t.after(() => database.drop());
    // Kysely's migrator takes a PostgreSQL advisory lock for the whole run, and tolerates
    // losing the race to create its own bookkeeping tables.
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        openStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl }),
      ),
    );
    try {
      const { rows } = await sql<{
        name: string;
      }>`select name from kysely_migration order by name`.execute(stores[0]!.db);
      assert.deepEqual(
        rows.map((row) => row.name),
        [
          '0001_initial',
          '0002_broker_accounts',
          '0003_claim_function',
          '0004_mqtt_bind_client_ids',
          '0005_login_attempts',
          '0006_master_key_check',
          '0007_claims_per_serial_notice',
          '0008_password_resets',
          '0009_sessions_and_token_scopes',
          '0010_roles_and_invitations',
          '0011_two_factor',
          '0012_notification_settings',
          '0013_buildings',
          '0014_provisioned_entries',
          '0015_ownership',
          '0016_h3_device_search',
          '0017_fleet_firmware',
          '0018_rollouts',
          '0019_remote_sessions',
          '0020_device_backups',
          '0021_webhooks',
          '0022_claim_webhooks',
        ],
      );
      for (const store of stores) assert.equal(await store.ping(), true);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

/**
 * Sends the head and half the body of a request, lets `during` run (the shutdown), then the
 * rest; resolves with the raw answer.
 */
async function slowRequest(port: number, during: () => Promise<void>): Promise<string> {
  const body = JSON.stringify({
    email: `slow-${randomBytes(4).toString('hex')}@example.com`,
    password: 'correct horse battery staple',
    name: 'Slow Request',
  });
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  await during();
  socket.write(body.slice(10));
  await ended;
  return answer;
}

describe('graceful shutdown', () => {
  for (const mode of ['sqlite-embedded', 'postgres-broker'] as const) {
    it(`finishes a request in flight on SIGTERM, refuses new connections, exits 0 (${mode})`, async (t) => {
      const folder = mkdtempSync(join(tmpdir(), 'latchkey-shutdown-'));
      t.after(() => rmSync(folder, { recursive: true, force: true }));
      const args = ['--data', folder, '--host', '127.0.0.1'];
      if (mode === 'postgres-broker') {
        const broker = await startTestBroker(t);
        const database = await postgresTestDialect.create();
        t.after(() => database.drop());
        args.push('--database', database.databaseUrl!, '--broker', broker.adminUrl);
      }
      const serve = await spawnServe(args, { env: { LOG_LEVEL: 'warn' } });
      t.after(() => serve.stop('SIGKILL'));
      const { port } = serve;

      const exited = new Promise<number | null>((resolve) => serve.child.once('exit', resolve));
      const answer = await slowRequest(port, async () => {
        serve.child.kill('SIGTERM');
        // New connections are refused while the request in flight is still being served.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
        assert.equal(serve.child.exitCode, null, 'still running for the request in flight');
      });
      assert.match(answer, /^HTTP\/1\.1 201 /, answer);
      assert.equal(await exited, 0, serve.output());
    });
  }
});
