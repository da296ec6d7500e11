import { startCloud, type CloudOptions, type RunningCloud } from '../../src/cloud/cloud.ts';
import type { Clock } from '../../src/cloud/services/clock.ts';
import type { Database } from '../../src/cloud/store/schema.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { postgresAdminUrl, type TestDatabase, type TestDialect } from './databases.ts';

/** A cloud started for one test, on its own database. */
export interface TestCloud extends RunningCloud {
  dialect: TestDialect['name'];
  database: TestDatabase;
}

/** What a test can register cleanup with (a TestContext). */
export interface CleanupContext {
  after(fn: () => Promise<void> | void): void;
}

export type TestCloudOptions = Omit<CloudOptions, 'dataDir' | 'databaseUrl' | 'port' | 'host'>;

/**
 * Creates a fresh database of the dialect, starts a cloud on it on a free port of 127.0.0.1,
 * and closes the cloud and drops the database when the test ends.
 */
export async function startTestCloud(
  t: CleanupContext,
  dialect: TestDialect,
  options: TestCloudOptions = {},
): Promise<TestCloud> {
  const database = await dialect.create();
  let cloud: RunningCloud;
  try {
    cloud = await startCloud({
      ...options,
      // No idle poll for rollouts another node started: a test cloud has no other node, and
      // a poll landing inside a statement count would make that test flaky.
      rollouts: { idlePollMs: null, ...options.rollouts },
      // Likewise no idle poll for webhook deliveries other nodes queued (issue 20).
      webhooks: { idlePollMs: null, ...options.webhooks },
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
      port: 0,
      host: '127.0.0.1',
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  t.after(async () => {
    try {
      await cloud.close();
      if (database.databaseUrl) await waitUntilDisconnected(database.databaseUrl);
    } finally {
      await database.drop();
    }
  });
  return Object.assign(cloud, { dialect: dialect.name, database });
}

/**
 * Waits until the server has no session on the database any more. The pool's end() resolves
 * before its connections are gone on the server; dropping the database "with (force)" in that
 * moment terminates them, and the client reports it as an uncaught error.
 */
export async function waitUntilDisconnected(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const admin = new pg.Client({ connectionString: await postgresAdminUrl() });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 250; attempt++) {
      const { rows } = await admin.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = $1',
        [name],
      );
      if (rows[0]!.n === 0) return;
      await sleep(20);
    }
  } finally {
    await admin.end();
  }
}

/**
 * A clock the test moves by hand. With `step`, every reading also moves it on by that many
 * milliseconds, so that events written one after the other never share a timestamp.
 */
export class TestClock implements Clock {
  private current: number;
  private readonly step: number;

  constructor(start = Date.now(), step = 0) {
    this.current = start;
    this.step = step;
  }

  now(): Date {
    const reading = new Date(this.current);
    this.current += this.step;
    return reading;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

export const TABLES: (keyof Database)[] = [
  'users',
  'companies',
  'memberships',
  'site_memberships',
  'invitations',
  'sites',
  'devices',
  'ownerships',
  'sessions',
  'api_tokens',
  'notifications',
  'audit_events',
  'attempt_failures',
  'password_resets',
  'two_factor',
  'recovery_codes',
  'two_factor_challenges',
  'notification_settings',
  'apartments',
  'residents',
  'resident_credentials',
  'resident_access',
  'device_settings',
  'device_sync',
  'provisioned_entries',
  'access_events',
  'transfers',
  'transfer_items',
  'transfer_requests',
  'device_presence',
  'link_transfers',
  'firmware_blobs',
  'firmware_images',
  'rollouts',
  'rollout_devices',
  'site_backup_keys',
  'device_backups',
  'site_backup_settings',
  'remote_sessions',
  'webhook_endpoints',
  'webhook_deliveries',
];

/** Every row of every table, in a stable order, to compare before and after a request. */
export async function snapshotTables(cloud: RunningCloud): Promise<Record<string, string[]>> {
  // Auto Provisioning works out devices' directories after a commit, in the background: what a
  // request changed is compared once that has settled, not in the middle of it.
  await cloud.services.autoProvisioning.idle();
  const snapshot: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = await cloud.store.db.selectFrom(table).selectAll().execute();
    snapshot[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return snapshot;
}

/** How many rows each table holds. */
export async function countRows(cloud: RunningCloud): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await cloud.store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
