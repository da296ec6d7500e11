import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
  type Account,
  type Site,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { waitFor } from '../helpers/wait.ts';

interface AuditItem {
  action: string;
  serialNumber: string | null;
  actor: string | null;
  detail: Record<string, unknown>;
}

/** Anna's company with two sites, a device in the first. */
async function twoSites(cloud: TestCloud) {
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const from = await createSite(anna.client, 'Vinohradská 12');
  const to = await createSite(anna.client, 'Korunní 3');
  const [device] = await mintDevices(cloud, 1);
  assert.equal(
    (await claim(anna.client, from.id, device!.serialNumber, device!.securityCode)).status,
    201,
  );
  return { anna, from, to, device: device! };
}

const auditOf = async (account: Account, site: Site): Promise<AuditItem[]> => {
  const response = await account.client.get(`/api/sites/${site.id}/audit`);
  assert.equal(response.status, 200, response.text);
  return response.body.items;
};

const notificationCount = async (cloud: TestCloud) =>
  Number(
    (
      await cloud.store.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

for (const dialect of testDialects) {
  describe(`moving a device between the company's own sites (${dialect.name})`, () => {
    it('moves it without a code, audits both sites and keeps its history', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, from, to, device } = await twoSites(cloud);
      const notices = await notificationCount(cloud);

      const moved = await anna.client.post(`/api/devices/${device.serialNumber}/move`, {
        siteId: to.id,
      });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.body.device.serialNumber, device.serialNumber);

      const inTo = await anna.client.get(`/api/sites/${to.id}/devices`);
      assert.deepEqual(
        inTo.body.items.map((d: { serialNumber: string }) => d.serialNumber),
        [device.serialNumber],
      );
      assert.deepEqual((await anna.client.get(`/api/sites/${from.id}/devices`)).body.items, []);

      const movedIn = (await auditOf(anna, to)).find((e) => e.action === 'device.moved-in');
      assert.ok(movedIn, 'moved-in on the new site');
      assert.equal(movedIn.serialNumber, device.serialNumber);
      assert.equal(movedIn.actor, anna.email);
      assert.deepEqual(movedIn.detail, {
        reason: 'moved between sites',
        fromAnotherAccount: false,
        fromSite: from.name,
      });
      const movedAway = (await auditOf(anna, from)).find((e) => e.action === 'device.moved-away');
      assert.ok(movedAway, 'moved-away on the old site');
      assert.deepEqual(movedAway.detail, { reason: 'moved between sites', toSite: to.name });

      // The device page keeps what happened before the move: the add is still on it.
      const page = await anna.client.get(`/api/devices/${device.serialNumber}`);
      assert.equal(page.status, 200, page.text);
      assert.deepEqual(page.body.device.site, { id: to.id, name: to.name });
      const actions = page.body.timeline.map((e: AuditItem) => e.action);
      assert.ok(actions.includes('device.added'), actions.join());
      assert.ok(actions.includes('device.moved-in'), actions.join());
      assert.ok(actions.includes('device.moved-away'), actions.join());

      assert.equal(await notificationCount(cloud), notices, 'a move within a company tells nobody');
    });

    it("points the device's Auto Provisioning at the new site (wipe-on-move)", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, from, to, device } = await twoSites(cloud);
      const syncSite = async () => {
        await cloud.services.autoProvisioning.idle();
        return (
          await cloud.store.db
            .selectFrom('device_sync')
            .select('site_id')
            .where('serial_number', '=', device.serialNumber)
            .executeTakeFirst()
        )?.site_id;
      };
      await waitFor('a directory for the first site', async () => (await syncSite()) === from.id);
      const moved = await anna.client.post(`/api/devices/${device.serialNumber}/move`, {
        siteId: to.id,
      });
      assert.equal(moved.status, 200, moved.text);
      await waitFor('the directory of the new site', async () => (await syncSite()) === to.id);
      const listed = await anna.client.get(`/api/sites/${to.id}/devices`);
      assert.equal(listed.body.items[0].sync.state, 'pending', 'the new directory is to be sent');
    });

    it('refuses what is not a move between own sites, and changes nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, from, to, device } = await twoSites(cloud);
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const bobs = await createSite(bob.client, 'Elsewhere');
      const vera = await registerAccount(cloud, { name: 'Vera' });
      await joinCompany(cloud, vera, anna.company.id, 'member', [
        { siteId: from.id, role: 'viewer' },
        { siteId: to.id, role: 'viewer' },
      ]);
      vera.client.companyId = anna.company.id;
      // Anna is also a member of Bob's company: his site is visible to her, yet another company.
      await joinCompany(cloud, anna, bob.company.id, 'admin');
      const [unknown] = await mintDevices(cloud, 1);
      const stranger = await registerAccount(cloud, { name: 'Stan' });
      const strangers = await createSite(stranger.client, 'Stan site');
      const before = await snapshotTables(cloud);

      const move = (client: Account['client'], serial: string, siteId: string) =>
        client.post(`/api/devices/${serial}/move`, { siteId });
      assertErrorBody(
        await move(anna.client, device.serialNumber, from.id),
        409,
        'ALREADY_IN_THIS_SITE',
      );
      assertErrorBody(
        await move(anna.client, device.serialNumber, bobs.id),
        409,
        'MOVE_ACROSS_COMPANIES',
      );
      assertErrorBody(
        await move(bob.client, device.serialNumber, bobs.id),
        404,
        'DEVICE_NOT_FOUND',
      );
      assertErrorBody(
        await move(anna.client, device.serialNumber, strangers.id),
        404,
        'SITE_NOT_FOUND',
      );
      assertErrorBody(
        await move(vera.client, device.serialNumber, to.id),
        403,
        'INSUFFICIENT_ROLE',
      );
      assertErrorBody(
        await move(anna.client, unknown!.serialNumber, to.id),
        404,
        'DEVICE_NOT_FOUND',
      );
      assertErrorBody(await move(anna.client, '99-9999-9999', to.id), 404, 'DEVICE_NOT_FOUND');
      assertErrorBody(await move(anna.client, 'not-a-serial', to.id), 400, 'VALIDATION_FAILED');
      assert.deepEqual(await snapshotTables(cloud), before);
    });
  });
}
