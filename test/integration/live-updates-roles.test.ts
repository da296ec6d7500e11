import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

/** GET /api/events of one person (`query`: e.g. `?companyId=`); `text` grows as events arrive. */
async function openStream(t: TestContext, url: string, person: Account, query = '') {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events${query}`, {
    headers: { cookie: `latchkey_session=${person.client.session}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const stream = { response, text: '' };
  t.after(() => controller.abort());
  if (response.status !== 200) return stream;
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of response.body!) stream.text += decoder.decode(chunk as Uint8Array);
    } catch {
      // Aborted.
    }
  })();
  await waitFor('the stream to open', () => stream.text.includes(': connected'));
  return stream;
}

/**
 * The site of each device a stream heard of, in the order first heard: a device is told about
 * more than once (added, then its Auto Provisioning state), and these tests are about who hears.
 */
const sitesIn = (text: string) => {
  const sites = new Map<string, string>();
  for (const m of text.matchAll(/^event: device\ndata: (.*)$/gm)) {
    const update = JSON.parse(m[1]!) as { serialNumber: string; siteId: string };
    if (!sites.has(update.serialNumber)) sites.set(update.serialNumber, update.siteId);
  }
  return [...sites.values()];
};

for (const dialect of testDialects) {
  describe(`live updates by role (${dialect.name})`, () => {
    it("sends a site's events to whoever sees it (viewers too), stops them at once after removal or a grant change", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const admin = await registerAccount(cloud, { name: 'Anna Admin' });
      const companyId = admin.company.id;
      const siteA = await createSite(admin.client, 'Site A');
      const siteB = await createSite(admin.client, 'Site B');
      const viewer = await registerAccount(cloud, { name: 'Vera Viewer' });
      await joinCompany(cloud, viewer, companyId, 'member', [{ siteId: siteA.id, role: 'viewer' }]);
      const otherSite = await registerAccount(cloud, { name: 'Otto Other' });
      await joinCompany(cloud, otherSite, companyId, 'member', [
        { siteId: siteB.id, role: 'site-admin' },
      ]);
      const stranger = await registerAccount(cloud, { name: 'Carl Stranger' });

      // Asking for a company one is not in: 404, like every route of the current company.
      const refused = await openStream(t, cloud.url, stranger, `?companyId=${companyId}`);
      assert.equal(refused.response.status, 404);
      assert.equal(
        ((await refused.response.json()) as { error: { code: string } }).error.code,
        'COMPANY_NOT_FOUND',
      );

      const adminStream = await openStream(t, cloud.url, admin, `?companyId=${companyId}`);
      const viewerStream = await openStream(t, cloud.url, viewer, `?companyId=${companyId}`);
      // Without companyId: all the person's companies (Otto's own and ours).
      const otherStream = await openStream(t, cloud.url, otherSite);
      const devices = await mintDevices(cloud, 4);
      const addTo = async (siteId: string, i: number) => {
        const added = await claim(
          admin.client,
          siteId,
          devices[i]!.serialNumber,
          devices[i]!.securityCode,
        );
        assert.equal(added.status, 201, added.text);
        // The admin sees every site: once their stream has it, the others had theirs too.
        await waitFor('the admin event', () => sitesIn(adminStream.text).length === i + 1);
      };

      await addTo(siteA.id, 0);
      await addTo(siteB.id, 1);
      assert.deepEqual(sitesIn(adminStream.text), [siteA.id, siteB.id]);
      await waitFor('the viewer event', () => sitesIn(viewerStream.text).length >= 1);
      await waitFor('the other-site event', () => sitesIn(otherStream.text).length >= 1);
      assert.deepEqual(sitesIn(viewerStream.text), [siteA.id], 'a viewer of A, not B');
      assert.deepEqual(sitesIn(otherStream.text), [siteB.id], 'a site-admin of B, not A');

      // Otto's grant moves from B to A (in the database), then the change is announced.
      await cloud.store.db
        .updateTable('site_memberships')
        .set({ site_id: siteA.id })
        .where('user_id', '=', otherSite.user.id)
        .execute();
      cloud.events.emit('membership-changed', { companyId, userId: otherSite.user.id });
      // Vera is removed through the API (members service fires the event after commit).
      const removed = await admin.client.delete(`/api/company/members/${viewer.user.id}`);
      assert.equal(removed.status, 204, removed.text);

      await addTo(siteB.id, 2);
      await addTo(siteA.id, 3);
      await waitFor('the other-site event of A', () => sitesIn(otherStream.text).length >= 2);
      assert.deepEqual(sitesIn(otherStream.text), [siteB.id, siteA.id], 'now A, no longer B');
      assert.deepEqual(sitesIn(viewerStream.text), [siteA.id], 'nothing after removal');
    });
  });
}
