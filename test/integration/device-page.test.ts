import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { startCloud, type RunningCloud } from '../../src/cloud/cloud.ts';
import { auditRow } from '../../src/cloud/services/audit.service.ts';
import { PRESENCE_ROWS_PER_DEVICE } from '../../src/cloud/store/repos/device-presence.repo.ts';
import {
  snapshotTables,
  startTestCloud,
  waitUntilDisconnected,
  type TestCloud,
} from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import {
  claim,
  codeFor,
  createSite,
  joinCompany,
  mintDevices,
  nextCode,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { waitFor } from '../helpers/wait.ts';

interface Page {
  device: { serialNumber: string; online: boolean; site: { id: string; name: string } };
  onlineHistory: { online: boolean; at: string }[];
  timeline: { action: string; serialNumber: string; actor: string | null }[] | null;
}

async function pageOf(account: Account, serial: string): Promise<Page> {
  const response = await account.client.get(`/api/devices/${serial}`);
  assert.equal(response.status, 200, response.text);
  return response.body;
}

/** Anna's site with one device in it. */
async function annasDevice(cloud: TestCloud) {
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const site = await createSite(anna.client, 'Vinohradská 12');
  const [device] = await mintDevices(cloud, 1);
  assert.equal(
    (await claim(anna.client, site.id, device!.serialNumber, codeFor(device!, 0))).status,
    201,
  );
  return { anna, site, device: device! };
}

/** Brings the device online with a real emulator, then offline again. */
async function connectAndDisconnect(
  t: Parameters<typeof startLinkedEmulator>[0],
  cloud: TestCloud,
  account: Account,
  device: Awaited<ReturnType<typeof annasDevice>>['device'],
) {
  const online = async () => (await pageOf(account, device.serialNumber)).device.online;
  const emulator = await startLinkedEmulator(t, device, cloud.url);
  await waitFor('online', async () => emulator.link.connected && (await online()), 10_000);
  await emulator.link.stop();
  await waitFor('offline', async () => !(await online()), 10_000);
  await cloud.services.autoProvisioning.idle();
}

const presenceRows = (cloud: Pick<RunningCloud, 'store'>, serial: string) =>
  cloud.store.db
    .selectFrom('device_presence')
    .selectAll()
    .where('serial_number', '=', serial)
    .execute();

for (const dialect of testDialects) {
  describe(`the device page (${dialect.name})`, () => {
    it('shows the device, its site, and its online history as a real device connects and leaves', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, device } = await annasDevice(cloud);
      const before = await pageOf(anna, device.serialNumber);
      assert.deepEqual(before.device.site, { id: site.id, name: site.name });
      assert.deepEqual(before.onlineHistory, []);
      assert.deepEqual(
        before.timeline?.map((e) => e.action),
        ['device.added'],
      );

      await connectAndDisconnect(t, cloud, anna, device);
      const after = await pageOf(anna, device.serialNumber);
      assert.deepEqual(
        after.onlineHistory.map((h) => h.online),
        [false, true],
        'newest first: offline after online',
      );
      assert.ok(after.onlineHistory[0]!.at >= after.onlineHistory[1]!.at);
      const rows = await presenceRows(cloud, device.serialNumber);
      assert.deepEqual(
        rows.map((r) => r.company_id),
        [anna.company.id, anna.company.id],
      );
    });

    it('records only real changes, and keeps the newest rows of each device', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, device } = await annasDevice(cloud);
      const link = cloud.services.deviceLink;
      await link.presence(device.serialNumber, true);
      await link.presence(device.serialNumber, true);
      await link.presence(device.serialNumber, false);
      await link.presence(device.serialNumber, false);
      assert.equal((await presenceRows(cloud, device.serialNumber)).length, 2);

      for (let i = 0; i < PRESENCE_ROWS_PER_DEVICE + 10; i += 1) {
        await link.presence(device.serialNumber, i % 2 === 0);
      }
      const rows = await presenceRows(cloud, device.serialNumber);
      assert.equal(rows.length, PRESENCE_ROWS_PER_DEVICE);
      // The last change was "offline" (an odd count of flips after the first two rows).
      const page = await pageOf(anna, device.serialNumber);
      assert.equal(page.onlineHistory[0]!.online, false);
      assert.equal(page.device.online, false);
    });

    it('records going offline when a restarted cloud finds no device connected', async () => {
      const database = await dialect.create();
      const start = () =>
        startCloud({
          dataDir: database.dataDir,
          databaseUrl: database.databaseUrl,
          port: 0,
          host: '127.0.0.1',
        });
      try {
        const first = await start();
        let serial: string;
        let companyId: string;
        try {
          const anna = await registerAccount(first, { name: 'Anna' });
          const site = await createSite(anna.client, 'Vinohradská 12');
          const [device] = await mintDevices(first, 1);
          serial = device!.serialNumber;
          companyId = anna.company.id;
          assert.equal(
            (await claim(anna.client, site.id, serial, codeFor(device!, 0))).status,
            201,
          );
          await first.services.deviceLink.presence(serial, true);
        } finally {
          await first.close();
        }
        const second = await start();
        try {
          const history = (await presenceRows(second, serial))
            .sort((a, b) => a.id.localeCompare(b.id))
            .map((r) => [r.online, r.company_id]);
          assert.deepEqual(history, [
            [1, companyId],
            [0, companyId],
          ]);
        } finally {
          await second.close();
        }
      } finally {
        // As startTestCloud does: the server's sessions gone before the database is dropped.
        if (database.databaseUrl) await waitUntilDisconnected(database.databaseUrl);
        await database.drop();
      }
    });

    it("never shows the previous owner's timeline or history to the next owner", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, device } = await annasDevice(cloud);
      await connectAndDisconnect(t, cloud, anna, device);
      assert.equal((await pageOf(anna, device.serialNumber)).onlineHistory.length, 2);

      // Bob holds the device and a code generated on it: the claim moves it to him.
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const bobs = await createSite(bob.client, 'Korunní 3');
      const taken = await claim(bob.client, bobs.id, device.serialNumber, nextCode(device, 0));
      assert.equal(taken.status, 201, taken.text);
      assert.equal(taken.body.outcome, 'moved');

      const page = await pageOf(bob, device.serialNumber);
      assert.deepEqual(page.device.site, { id: bobs.id, name: bobs.name });
      assert.deepEqual(page.onlineHistory, []);
      assert.ok(page.timeline!.length > 0);
      assert.ok(
        page.timeline!.every((e) => e.actor === null || e.actor === bob.email),
        JSON.stringify(page.timeline),
      );
      assert.ok(!page.timeline!.some((e) => e.action === 'device.added'));
      assertErrorBody(
        await anna.client.get(`/api/devices/${device.serialNumber}`),
        404,
        'DEVICE_NOT_FOUND',
      );

      // Its next connection is Bob's history, and only that.
      await connectAndDisconnect(t, cloud, bob, device);
      const later = await pageOf(bob, device.serialNumber);
      assert.deepEqual(
        later.onlineHistory.map((h) => h.online),
        [false, true],
      );
    });

    it('gives a viewer no timeline, and is not found for who does not see the site', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, device } = await annasDevice(cloud);
      const vera = await registerAccount(cloud, { name: 'Vera' });
      await joinCompany(cloud, vera, anna.company.id, 'member', [
        { siteId: site.id, role: 'viewer' },
      ]);
      vera.client.companyId = anna.company.id;
      const seen = await pageOf(vera, device.serialNumber);
      assert.equal(seen.timeline, null);
      assert.deepEqual(seen.onlineHistory, []);

      const otto = await registerAccount(cloud, { name: 'Otto' });
      const other = await createSite(anna.client, 'Korunní 3');
      await joinCompany(cloud, otto, anna.company.id, 'member', [
        { siteId: other.id, role: 'site-admin' },
      ]);
      otto.client.companyId = anna.company.id;
      const stranger = await registerAccount(cloud, { name: 'Stan' });
      const [unowned] = await mintDevices(cloud, 1);
      const before = await snapshotTables(cloud);
      for (const client of [otto.client, stranger.client]) {
        assertErrorBody(
          await client.get(`/api/devices/${device.serialNumber}`),
          404,
          'DEVICE_NOT_FOUND',
        );
      }
      assertErrorBody(
        await anna.client.get(`/api/devices/${unowned!.serialNumber}`),
        404,
        'DEVICE_NOT_FOUND',
      );
      assertErrorBody(await anna.client.get('/api/devices/12345'), 400, 'VALIDATION_FAILED');
      assert.deepEqual(await snapshotTables(cloud), before);
    });
  });

  describe(`a site's audit belongs to the company holding the site (${dialect.name})`, () => {
    it("leaves out another company's rows for the same site id", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, device } = await annasDevice(cloud);
      // What a previous owner left on the site before it was handed over (issue 18).
      const previous = await registerAccount(cloud, { name: 'Petr' });
      const now = new Date().toISOString();
      await cloud.store.db
        .insertInto('audit_events')
        .values([
          auditRow(
            {
              companyId: previous.company.id,
              siteId: site.id,
              actor: null,
              action: 'device.added',
              outcome: 'success',
              serialNumber: device.serialNumber,
              detail: { marker: randomUUID() },
            },
            now,
          ),
        ])
        .execute();
      const audit = await anna.client.get(`/api/sites/${site.id}/audit`);
      assert.equal(audit.status, 200, audit.text);
      assert.ok(audit.body.items.length > 0);
      assert.ok(
        audit.body.items.every((e: { detail: Record<string, unknown> }) => !('marker' in e.detail)),
      );
      const page = await pageOf(anna, device.serialNumber);
      assert.equal(page.timeline!.length, 1, 'the device page neither');
    });
  });
}
