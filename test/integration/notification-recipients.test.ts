import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  nextCode,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

interface People {
  cloud: TestCloud;
  smtp: TestSmtp;
  siteA: { id: string };
  siteB: { id: string };
  /** The company's admin (made it, and site A). */
  admin: Account;
  /** site-admin of A; viewer of A; site-admin of B only; a member without a grant. */
  siteAdmin: Account;
  viewer: Account;
  otherSite: Account;
  noGrant: Account;
  /** The admin of another company, who takes devices away with regenerated codes. */
  stranger: Account;
}

/** One company with sites A and B and its people, each client acting in that company. */
async function setup(t: TestContext, dialect: TestDialect): Promise<People> {
  const smtp = await startTestSmtp(t);
  const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
  const admin = await registerAccount(cloud, { name: 'Anna Admin' });
  const companyId = admin.company.id;
  const siteA = await createSite(admin.client, 'Site A');
  const siteB = await createSite(admin.client, 'Site B');
  const member = async (
    name: string,
    sites: { siteId: string; role: 'site-admin' | 'viewer' }[],
  ) => {
    const person = await registerAccount(cloud, { name });
    await joinCompany(cloud, person, companyId, 'member', sites);
    person.client.companyId = companyId;
    return person;
  };
  const siteAdmin = await member('Sam SiteAdmin', [{ siteId: siteA.id, role: 'site-admin' }]);
  const viewer = await member('Vera Viewer', [{ siteId: siteA.id, role: 'viewer' }]);
  const otherSite = await member('Otto Other', [{ siteId: siteB.id, role: 'site-admin' }]);
  const noGrant = await member('Nina NoGrant', []);
  const stranger = await registerAccount(cloud, { name: 'Carl Stranger' });
  return { cloud, smtp, siteA, siteB, admin, siteAdmin, viewer, otherSite, noGrant, stranger };
}

const listOf = async (person: Account) => {
  const answer = await person.client.get('/api/notifications?limit=100');
  assert.equal(answer.status, 200, answer.text);
  return answer.body as {
    items: { id: string; kind: string; readAt: string | null }[];
    unreadCount: number;
  };
};

for (const dialect of testDialects) {
  describe(`notification recipients (${dialect.name})`, () => {
    it("tells site A's admin and site-admin of a move, mails whoever did not turn it off, and keeps read state per person", async (t) => {
      const p = await setup(t, dialect);
      // Sam turns the mail of moves off: he still gets the notification, not the mail.
      const off = await p.siteAdmin.client.request('PUT', '/api/me/notification-settings', {
        json: { mail: { 'device-moved-away': false } },
      });
      assert.equal(off.status, 200, off.text);
      assert.deepEqual(off.body.mail, {
        'device-moved-away': false,
        'code-regenerated': true,
        'factory-reset': true,
        'claim-failures': true,
        // Issue 18: offers and requests between companies.
        'transfer-offered': true,
        'transfer-answered': true,
        'transfer-cancelled': true,
        'transfer-request': true,
        'transfer-request-answered': true,
        // Issue 19: configuration backups.
        'backup-restored': true,
        'backup-failing': true,
        // Issue 20: a webhook endpoint that kept failing was disabled.
        'webhook-disabled': true,
      });
      const [device] = await mintDevices(p.cloud, 1);
      const added = await claim(
        p.admin.client,
        p.siteA.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assert.equal(added.status, 201, added.text);
      const strangerSite = await createSite(p.stranger.client, "Carl's door");
      const moved = await claim(
        p.stranger.client,
        strangerSite.id,
        device!.serialNumber,
        nextCode(device!, 0),
      );
      assert.equal(moved.body.outcome, 'moved', moved.text);

      const annas = await listOf(p.admin);
      const sams = await listOf(p.siteAdmin);
      assert.deepEqual(
        annas.items.map((n) => n.kind),
        ['device-moved-away'],
      );
      assert.deepEqual(
        sams.items.map((n) => n.kind),
        ['device-moved-away'],
      );
      for (const person of [p.viewer, p.otherSite, p.noGrant, p.stranger]) {
        const list = await listOf(person);
        assert.equal(list.items.length, 0, `${person.user.name}: ${JSON.stringify(list.items)}`);
      }
      // Mails: Anna only (Sam turned that kind off; the others were not told).
      await p.smtp.waitForMail(p.admin.email);
      await p.cloud.mail.idle();
      assert.deepEqual(
        p.smtp.mails.map((m) => m.to),
        [[p.admin.email.toLowerCase()]],
      );

      // Read state is per person: Anna's copy read, Sam's stays unread.
      const annasId = annas.items[0]!.id;
      assertErrorBody(
        await p.siteAdmin.client.post(`/api/notifications/${annasId}/read`, undefined),
        404,
        'NOTIFICATION_NOT_FOUND',
      );
      assertErrorBody(
        await p.stranger.client.post(`/api/notifications/${annasId}/read`, undefined),
        404,
        'NOTIFICATION_NOT_FOUND',
      );
      assert.equal((await listOf(p.admin)).unreadCount, 1, 'a refused mark changes nothing');
      const read = await p.admin.client.post(`/api/notifications/${annasId}/read`, undefined);
      assert.equal(read.status, 204, read.text);
      assert.equal((await listOf(p.admin)).unreadCount, 0);
      assert.ok((await listOf(p.admin)).items[0]!.readAt);
      assert.equal((await listOf(p.siteAdmin)).unreadCount, 1, "Sam's copy stays unread");
      // Again is fine (idempotent).
      assert.equal(
        (await p.admin.client.post(`/api/notifications/${annasId}/read`, undefined)).status,
        204,
      );
    });

    it('tells the same people of wrong codes after 10 failed claims (the claim function on PostgreSQL)', async (t) => {
      const p = await setup(t, dialect);
      const [device, spare] = await mintDevices(p.cloud, 2);
      assert.equal(
        (await claim(p.admin.client, p.siteA.id, device!.serialNumber, device!.securityCode))
          .status,
        201,
      );
      const strangers = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          const account = await registerAccount(p.cloud, {}, { localAddress: `127.0.3.${i + 1}` });
          return { account, site: await createSite(account.client) };
        }),
      );
      for (let i = 0; i < 10; i++) {
        const { account, site } = strangers[i % strangers.length]!;
        assertErrorBody(
          await claim(account.client, site.id, device!.serialNumber, spare!.securityCode),
          422,
          'SECURITY_CODE_INVALID',
        );
      }
      const kinds = async (person: Account) => (await listOf(person)).items.map((n) => n.kind);
      assert.deepEqual(await kinds(p.admin), ['claim-failures']);
      assert.deepEqual(await kinds(p.siteAdmin), ['claim-failures']);
      for (const person of [p.viewer, p.otherSite, p.noGrant]) {
        assert.deepEqual(await kinds(person), [], person.user.name);
      }
      const rows = await p.cloud.store.db
        .selectFrom('notifications')
        .select('user_id')
        .where('kind', '=', 'claim-failures')
        .execute();
      assert.deepEqual(
        rows.map((r) => r.user_id).sort(),
        [p.admin.user.id, p.siteAdmin.user.id].sort(),
      );
    });

    it('lists only the current company, and refuses a company the person is not in', async (t) => {
      const p = await setup(t, dialect);
      const [device] = await mintDevices(p.cloud, 1);
      await claim(p.admin.client, p.siteA.id, device!.serialNumber, device!.securityCode);
      const strangerSite = await createSite(p.stranger.client, "Carl's door");
      await claim(p.stranger.client, strangerSite.id, device!.serialNumber, nextCode(device!, 0));
      assert.equal((await listOf(p.siteAdmin)).items.length, 1);
      // Sam's own company (made at sign-up) has none of them.
      const own = await p.siteAdmin.client.get('/api/notifications', {
        headers: { 'x-company-id': p.siteAdmin.company.id },
      });
      assert.equal(own.status, 200, own.text);
      assert.equal(own.body.items.length, 0);
      // A stranger asking for our company: 404, and marking all read there too.
      const asked = { headers: { 'x-company-id': p.admin.company.id } };
      assertErrorBody(
        await p.stranger.client.get('/api/notifications', asked),
        404,
        'COMPANY_NOT_FOUND',
      );
      assertErrorBody(
        await p.stranger.client.post('/api/notifications/read', {}, asked),
        404,
        'COMPANY_NOT_FOUND',
      );
      // Sam leaves: the company's notifications are no longer listed to him there.
      await p.cloud.store.db
        .deleteFrom('site_memberships')
        .where('user_id', '=', p.siteAdmin.user.id)
        .execute();
      await p.cloud.store.db
        .deleteFrom('memberships')
        .where('user_id', '=', p.siteAdmin.user.id)
        .where('company_id', '=', p.admin.company.id)
        .execute();
      assertErrorBody(await p.siteAdmin.client.get('/api/notifications'), 404, 'COMPANY_NOT_FOUND');
    });
  });
}
