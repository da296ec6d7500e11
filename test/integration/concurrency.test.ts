import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  DEFAULT_PASSWORD,
  mintDevices,
  nextCode,
  registerAccount,
  uniqueEmail,
  type Account,
  type Site,
} from '../helpers/factories.ts';
import { ApiClient, assertErrorBody } from '../helpers/http.ts';

const CLAIMANTS = 20;

/** `n` accounts with one site each. */
async function accountsWithSites(cloud: TestCloud, n: number) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const account = await registerAccount(cloud, { name: `Claimant ${i}` });
      const site = await createSite(account.client, `Site ${i}`);
      return { account, site };
    }),
  );
}

async function auditRows(cloud: TestCloud, serial: string) {
  return cloud.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('serial_number', '=', serial)
    .execute();
}

async function ownerships(cloud: TestCloud, serial: string) {
  return cloud.store.db
    .selectFrom('ownerships')
    .selectAll()
    .where('serial_number', '=', serial)
    .execute();
}

for (const dialect of testDialects) {
  describe(`concurrent claims (${dialect.name})`, () => {
    it('gives an unowned device to exactly one of 20 accounts claiming it at once', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const claimants = await accountsWithSites(cloud, CLAIMANTS);

      const answers = await Promise.all(
        claimants.map(({ account, site }) =>
          claim(account.client, site.id, device!.serialNumber, device!.securityCode),
        ),
      );

      const winners = answers.flatMap((answer, i) => (answer.status === 201 ? [i] : []));
      assert.equal(winners.length, 1, answers.map((a) => a.status).join(','));
      const winner = claimants[winners[0]!]!;
      assert.equal(answers[winners[0]!]!.body.outcome, 'added');
      answers.forEach((answer, i) => {
        if (i !== winners[0]) assertErrorBody(answer, 409, 'DEVICE_ALREADY_ADDED');
      });

      const rows = await ownerships(cloud, device!.serialNumber);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.site_id, winner.site.id);
      assert.equal(rows[0]!.claimed_by, winner.account.user.id);

      // The audit tells the same story: one addition, 19 refusals, each in the site asked for.
      const audit = await auditRows(cloud, device!.serialNumber);
      assert.equal(audit.length, CLAIMANTS);
      const added = audit.filter((row) => row.action === 'device.added');
      assert.equal(added.length, 1);
      assert.equal(added[0]!.site_id, winner.site.id);
      assert.equal(added[0]!.outcome, 'success');
      const refused = audit.filter((row) => row.action === 'device.claim');
      assert.equal(refused.length, CLAIMANTS - 1);
      for (const row of refused) {
        assert.equal(row.outcome, 'refused');
        assert.equal(row.error_code, 'DEVICE_ALREADY_ADDED');
      }
      assert.deepEqual(
        new Set(refused.map((row) => row.site_id)),
        new Set(claimants.filter((c) => c !== winner).map((c) => c.site.id)),
      );
      // "Already added" means the code was right: nobody's rate limit moved.
      const failures = await cloud.store.db.selectFrom('attempt_failures').selectAll().execute();
      assert.equal(failures.length, 0);

      // And each person sees only their own part.
      for (const { account, site } of claimants) {
        const devices = await account.client.get(`/api/sites/${site.id}/devices`);
        assert.equal(devices.body.items.length, site === winner.site ? 1 : 0);
        const siteAudit = await account.client.get(`/api/sites/${site.id}/audit`);
        assert.equal(siteAudit.body.items.length, 1);
        assert.equal(
          siteAudit.body.items[0].errorCode ?? siteAudit.body.items[0].action,
          site === winner.site ? 'device.added' : 'DEVICE_ALREADY_ADDED',
        );
      }
    });

    it('moves an owned device to exactly one of 20 accounts presenting the new code at once', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const owner = await registerAccount(cloud, { name: 'Owner' });
      const ownerSite = await createSite(owner.client, 'Lobby');
      assert.equal(
        (await claim(owner.client, ownerSite.id, device!.serialNumber, device!.securityCode))
          .status,
        201,
      );
      const claimants: { account: Account; site: Site }[] = await accountsWithSites(
        cloud,
        CLAIMANTS,
      );
      const newCode = nextCode(device!, 0);

      const answers = await Promise.all(
        claimants.map(({ account, site }) =>
          claim(account.client, site.id, device!.serialNumber, newCode),
        ),
      );

      const winners = answers.flatMap((answer, i) => (answer.status === 201 ? [i] : []));
      assert.equal(winners.length, 1, answers.map((a) => a.status).join(','));
      assert.equal(answers[winners[0]!]!.body.outcome, 'moved');
      answers.forEach((answer, i) => {
        if (i !== winners[0]) assertErrorBody(answer, 409, 'DEVICE_ALREADY_ADDED');
      });
      const rows = await ownerships(cloud, device!.serialNumber);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.site_id, claimants[winners[0]!]!.site.id);
      assert.equal(rows[0]!.claimed_generation, 1);

      // The previous owner is told once, and the audit has one move each way.
      const notifications = await owner.client.get('/api/notifications');
      assert.equal(notifications.body.unreadCount, 1);
      const audit = await auditRows(cloud, device!.serialNumber);
      assert.equal(audit.filter((row) => row.action === 'device.moved-in').length, 1);
      assert.equal(audit.filter((row) => row.action === 'device.moved-away').length, 1);
      assert.equal(
        audit.filter((row) => row.error_code === 'DEVICE_ALREADY_ADDED').length,
        CLAIMANTS - 1,
      );
    });

    it('registers one account when the same e-mail address is registered 10 times at once', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const email = uniqueEmail('race');
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          new ApiClient(cloud.url).post('/api/auth/register', {
            email,
            password: DEFAULT_PASSWORD,
            name: `Racer ${i}`,
          }),
        ),
      );
      assert.equal(answers.filter((a) => a.status === 201).length, 1);
      for (const answer of answers.filter((a) => a.status !== 201)) {
        assertErrorBody(answer, 409, 'EMAIL_TAKEN');
      }
      const users = await cloud.store.db.selectFrom('users').selectAll().execute();
      assert.equal(users.length, 1);
      const companies = await cloud.store.db.selectFrom('companies').selectAll().execute();
      assert.equal(companies.length, 1, 'a refused registration leaves no company behind');
    });
  });
}
