import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeIdentityFile } from '../../src/cloud/identity.writer.ts';
import { findIdentityFiles, startFleet } from '../../src/device/fleet.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { mintDevices } from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

async function onlineCount(cloud: TestCloud): Promise<number> {
  const row = await cloud.store.db
    .selectFrom('devices')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('online', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('latchkey fleet', () => {
  it('starts every device first, then links them a few at a time, and takes them offline when closed', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-fleet-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    for (const device of await mintDevices(cloud, 12)) {
      writeIdentityFile(join(folder, device.serialNumber, 'identity.json'), device);
    }
    const files = await findIdentityFiles(folder);
    assert.equal(files.length, 12);

    const order: string[] = [];
    const fleet = await startFleet({
      identityFiles: files,
      cloudUrl: cloud.url,
      concurrency: 4,
      linkWhenStarted: 3,
      onStarted: (count) => order.push(`started ${count}`),
      onConnected: (count) => order.push(`linked ${count}`),
    });
    let closed = false;
    t.after(async () => {
      if (!closed) await fleet.close();
    });
    // Resolved once every device has linked, and no link before the last device started.
    assert.deepEqual(order.slice(0, 3), ['started 4', 'started 8', 'started 12']);
    assert.equal(order.at(-1), 'linked 12');
    assert.ok(fleet.members.every((member) => member.link?.connected));
    await waitFor(
      'the cloud to show the fleet online',
      async () => (await onlineCount(cloud)) === 12,
    );

    await fleet.close();
    closed = true;
    await waitFor(
      'the cloud to show the fleet offline',
      async () => (await onlineCount(cloud)) === 0,
    );
  });
});
