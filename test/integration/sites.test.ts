import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, createSite, mintDevices, nextCode, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, type ApiClient } from '../helpers/http.ts';

/** Follows nextCursor until the end; returns every item and the number of pages. */
async function readAll(client: ApiClient, path: string, limit: number) {
  const items: Record<string, unknown>[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const query: string = `${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await client.get(path + query);
    assert.equal(page.status, 200, page.text);
    assert.ok(page.body.items.length <= limit);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor !== null);
  return { items, pages };
}

for (const dialect of testDialects) {
  describe(`sites and lists (${dialect.name})`, () => {
    it('creates, reads and renames a site of the company', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const site = await createSite(anna.client, '  Main entrance  ');
      assert.equal(site.name, 'Main entrance');
      assert.equal(site.companyId, anna.company.id);
      assert.equal(site.companyName, anna.company.name);
      assert.deepEqual((await anna.client.get(`/api/sites/${site.id}`)).body, site);
      const renamed = await anna.client.patch(`/api/sites/${site.id}`, { name: 'Back door' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.name, 'Back door');
      assert.equal((await anna.client.get(`/api/sites/${site.id}`)).body.name, 'Back door');
    });

    it('pages through sites, devices, audit and notifications with nextCursor', async (t) => {
      const cloud = await startTestCloud(t, dialect, { clock: new TestClock(Date.now(), 1) });
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const sites = [];
      for (let i = 0; i < 5; i++) sites.push(await createSite(anna.client, `Site ${i}`));
      const allSites = await readAll(anna.client, '/api/sites', 2);
      assert.equal(allSites.pages, 3);
      assert.deepEqual(
        allSites.items.map((s) => s.id),
        sites.map((s) => s.id),
      );

      const devices = await mintDevices(cloud, 5);
      for (const device of devices) {
        const added = await claim(
          anna.client,
          sites[0]!.id,
          device.serialNumber,
          device.securityCode,
        );
        assert.equal(added.status, 201, added.text);
      }
      const allDevices = await readAll(anna.client, `/api/sites/${sites[0]!.id}/devices`, 2);
      assert.deepEqual(
        allDevices.items.map((d) => d.serialNumber),
        devices.map((d) => d.serialNumber).sort(),
      );
      const audit = await readAll(anna.client, `/api/sites/${sites[0]!.id}/audit`, 3);
      assert.equal(audit.items.length, 5);
      assert.equal(new Set(audit.items.map((e) => e.id)).size, 5);

      // Ben moves three of them away: three notifications for Anna, newest first.
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client);
      for (const device of devices.slice(0, 3)) {
        const moved = await claim(ben.client, benSite.id, device.serialNumber, nextCode(device, 0));
        assert.equal(moved.status, 201, moved.text);
      }
      const notifications = await readAll(anna.client, '/api/notifications', 2);
      assert.deepEqual(
        notifications.items.map((n) => n.serialNumber),
        devices
          .slice(0, 3)
          .map((d) => d.serialNumber)
          .reverse(),
      );
      // Marking one read by id leaves the others unread.
      const first = notifications.items[0]!.id as string;
      const marked = await anna.client.post('/api/notifications/read', { ids: [first] });
      assert.equal(marked.status, 204, marked.text);
      const after = await anna.client.get('/api/notifications');
      assert.equal(after.body.unreadCount, 2);
      assert.notEqual(after.body.items[0].readAt, null);
      assert.equal(after.body.items[1].readAt, null);
    });

    it('answers an unexpected failure with a generic 500 and nothing of the inside', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      // Something breaks underneath: the table is gone.
      await cloud.store.db.schema.dropTable('notifications').execute();
      const broken = await anna.client.get('/api/notifications');
      assertErrorBody(broken, 500, 'INTERNAL');
      assert.equal(broken.body.error.message, 'Something went wrong on our side.');
      assert.doesNotMatch(broken.text, /notifications/);
    });
  });
}
