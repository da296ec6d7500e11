import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { snapshotTables, startTestCloud } from '../helpers/cloud.ts';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import { claim, createSite, mintDevices, nextCode, registerAccount } from '../helpers/factories.ts';
import { ApiClient, assertErrorBody, type ApiResponse } from '../helpers/http.ts';

/** Anna with a site and a device in it, Ben with a site of his own, and a free device. */
async function twoTenants(t: TestContext, dialect: TestDialect) {
  const cloud = await startTestCloud(t, dialect);
  const [owned, free] = await mintDevices(cloud, 2);
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const annaSite = await createSite(anna.client, 'Anna HQ');
  const added = await claim(anna.client, annaSite.id, owned!.serialNumber, owned!.securityCode);
  assert.equal(added.status, 201, added.text);
  const ben = await registerAccount(cloud, { name: 'Ben' });
  const benSite = await createSite(ben.client, 'Ben HQ');
  return { cloud, owned: owned!, free: free!, anna, annaSite, ben, benSite };
}

/** Everything Ben might try against a site id that is not his. */
function probes(client: ApiClient, siteId: string, serial: string, code: string) {
  return [
    () => client.get(`/api/sites/${siteId}`),
    () => client.patch(`/api/sites/${siteId}`, { name: 'Taken over' }),
    () => client.get(`/api/sites/${siteId}/devices`),
    () => client.get(`/api/sites/${siteId}/audit`),
    () => claim(client, siteId, serial, code),
    () => client.delete(`/api/sites/${siteId}/devices/${serial}`),
  ];
}

/** The body without what differs between two answers of the same kind. */
const comparable = (response: ApiResponse) => ({ status: response.status, body: response.body });

for (const dialect of testDialects) {
  describe(`tenant isolation (${dialect.name})`, () => {
    it("answers 'site not found' for another company's site and changes nothing", async (t) => {
      const { cloud, owned, free, anna, annaSite, ben } = await twoTenants(t, dialect);
      const before = await snapshotTables(cloud);

      for (const serial of [owned.serialNumber, free.serialNumber]) {
        const code = serial === owned.serialNumber ? nextCode(owned, 0) : free.securityCode;
        for (const probe of probes(ben.client, annaSite.id, serial, code)) {
          const foreign = await probe();
          assertErrorBody(foreign, 404, 'SITE_NOT_FOUND');
        }
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed in the database');

      // Anna sees her site, her device and an audit without Ben's attempts.
      assert.equal((await anna.client.get(`/api/sites/${annaSite.id}`)).body.name, 'Anna HQ');
      const devices = await anna.client.get(`/api/sites/${annaSite.id}/devices`);
      assert.equal(devices.body.items.length, 1);
      const audit = await anna.client.get(`/api/sites/${annaSite.id}/audit`);
      assert.deepEqual(
        audit.body.items.map((e: { action: string }) => e.action),
        ['device.added'],
      );
    });

    it('answers a foreign site exactly like a site that does not exist', async (t) => {
      const { owned, annaSite, ben } = await twoTenants(t, dialect);
      const unknown = randomUUID();
      const foreign = probes(ben.client, annaSite.id, owned.serialNumber, owned.securityCode);
      const missing = probes(ben.client, unknown, owned.serialNumber, owned.securityCode);
      for (let i = 0; i < foreign.length; i++) {
        const a = await foreign[i]!();
        const b = await missing[i]!();
        assertErrorBody(b, 404, 'SITE_NOT_FOUND');
        assert.deepEqual(comparable(a), comparable(b));
      }
    });

    it('lists only the sites, devices and notifications of the person', async (t) => {
      const { cloud, owned, anna, annaSite, ben, benSite } = await twoTenants(t, dialect);
      const annaSites = await anna.client.get('/api/sites');
      assert.deepEqual(
        annaSites.body.items.map((s: { id: string }) => s.id),
        [annaSite.id],
      );
      const benSites = await ben.client.get('/api/sites');
      assert.deepEqual(
        benSites.body.items.map((s: { id: string }) => s.id),
        [benSite.id],
      );
      assert.deepEqual((await ben.client.get(`/api/sites/${benSite.id}/devices`)).body.items, []);

      // Ben moves the device with a new code: Anna is notified, Ben cannot see or clear that.
      const moved = await claim(ben.client, benSite.id, owned.serialNumber, nextCode(owned, 0));
      assert.equal(moved.status, 201, moved.text);
      const annaNotifications = await anna.client.get('/api/notifications');
      assert.equal(annaNotifications.body.items.length, 1);
      const notificationId = annaNotifications.body.items[0].id as string;
      assert.deepEqual((await ben.client.get('/api/notifications')).body.items, []);
      const marked = await ben.client.post('/api/notifications/read', { ids: [notificationId] });
      assert.equal(marked.status, 204);
      assert.equal((await anna.client.get('/api/notifications')).body.unreadCount, 1);
      const row = await cloud.store.db
        .selectFrom('notifications')
        .select('read_at')
        .where('id', '=', notificationId)
        .executeTakeFirstOrThrow();
      assert.equal(row.read_at, null);
    });

    it('does not show the previous owner who took the device or from where', async (t) => {
      const { cloud, owned, anna, annaSite } = await twoTenants(t, dialect);
      // Someone in another company, from another address, moves Anna's device with a new code.
      const carol = await registerAccount(cloud, { name: 'Carol' }, { localAddress: '127.0.0.2' });
      const carolSite = await createSite(carol.client, 'Carol HQ');
      const moved = await claim(carol.client, carolSite.id, owned.serialNumber, nextCode(owned, 0));
      assert.equal(moved.status, 201, moved.text);

      const audit = await anna.client.get(`/api/sites/${annaSite.id}/audit`);
      const movedAway = audit.body.items.find(
        (e: { action: string }) => e.action === 'device.moved-away',
      );
      assert.ok(movedAway, "the move is in the previous owner's audit");
      assert.equal(movedAway.serialNumber, owned.serialNumber);
      for (const leak of [carol.email, carol.user.id, carolSite.id, carolSite.name, '127.0.0.2']) {
        assert.ok(!audit.text.includes(leak), `Anna's audit shows ${leak}`);
      }
      const notifications = await anna.client.get('/api/notifications');
      for (const leak of [carol.email, carolSite.id, carolSite.name, '127.0.0.2']) {
        assert.ok(!notifications.text.includes(leak), `Anna's notifications show ${leak}`);
      }
      // Carol's own audit does name her.
      const carolAudit = await carol.client.get(`/api/sites/${carolSite.id}/audit`);
      assert.equal(carolAudit.body.items[0].actor, carol.email);
      assert.equal(carolAudit.body.items[0].ip, '127.0.0.2');
    });

    it('keeps the same isolation for API tokens', async (t) => {
      const { cloud, free, annaSite, ben, benSite } = await twoTenants(t, dialect);
      const created = await ben.client.post('/api/tokens', { name: 'script' });
      assert.equal(created.status, 201, created.text);
      const script = new ApiClient(cloud.url, { bearer: created.body.token });
      for (const probe of probes(script, annaSite.id, free.serialNumber, free.securityCode)) {
        assertErrorBody(await probe(), 404, 'SITE_NOT_FOUND');
      }
      assert.deepEqual(
        (await script.get('/api/sites')).body.items.map((s: { id: string }) => s.id),
        [benSite.id],
      );
      const owners = await cloud.store.db.selectFrom('ownerships').selectAll().execute();
      assert.equal(owners.length, 1);
      assert.equal(owners[0]!.site_id, annaSite.id);
    });
  });
}
