import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from 'otplib';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { createSite, joinCompany, registerAccount, type Account } from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';

/** Turns two-factor sign-in on over HTTP, as the Account page does. */
async function enableTwoFactor(person: Account) {
  const setup = await person.client.post('/api/me/two-factor/setup');
  assert.equal(setup.status, 200, setup.text);
  const enabled = await person.client.post('/api/me/two-factor/enable', {
    code: await generate({ secret: setup.body.secret }),
  });
  assert.equal(enabled.status, 200, enabled.text);
}

for (const dialect of testDialects) {
  describe(`company settings (${dialect.name})`, () => {
    it('renames the company and records it in the company audit', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const ada = await registerAccount(cloud);
      const renamed = await ada.client.patch('/api/company', { name: '  Novak Installations ' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.name, 'Novak Installations');
      assert.equal(
        (await ada.client.get('/api/me')).body.memberships[0].companyName,
        renamed.body.name,
      );
      const audit = await ada.client.get('/api/audit');
      assert.equal(audit.body.items[0].action, 'company.settings-changed');
      assert.equal(audit.body.items[0].siteId, null);
    });

    it('lets an admin require two factors only once they have one themselves', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const ada = await registerAccount(cloud);
      const refused = await ada.client.patch('/api/company', { requireTwoFactor: true });
      assertErrorBody(refused, 403, 'TWO_FACTOR_REQUIRED');
      assert.equal((await ada.client.get('/api/company')).body.requireTwoFactor, false);
      await enableTwoFactor(ada);
      const required = await ada.client.patch('/api/company', { requireTwoFactor: true });
      assert.equal(required.status, 200, required.text);
      assert.equal(required.body.requireTwoFactor, true);
    });

    it('refuses the company to members without a second factor until they set one up', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const ada = await registerAccount(cloud);
      const site = await createSite(ada.client, 'Main Street 1');
      const bob = await registerAccount(cloud);
      await joinCompany(cloud, bob, ada.company.id, 'member', [
        { siteId: site.id, role: 'site-admin' },
      ]);
      bob.client.companyId = ada.company.id;
      assert.equal((await bob.client.get(`/api/sites/${site.id}`)).status, 200);
      await enableTwoFactor(ada);
      assert.equal(
        (await ada.client.patch('/api/company', { requireTwoFactor: true })).status,
        200,
      );

      // Every way into the company asks for it; his own account and company do not.
      assertErrorBody(await bob.client.get('/api/sites'), 403, 'TWO_FACTOR_REQUIRED');
      assertErrorBody(await bob.client.get(`/api/sites/${site.id}`), 403, 'TWO_FACTOR_REQUIRED');
      assertErrorBody(
        await bob.client.patch(`/api/sites/${site.id}`, { name: 'x' }),
        403,
        'TWO_FACTOR_REQUIRED',
      );
      assert.equal((await bob.client.get('/api/me')).status, 200);
      assert.equal(
        (await bob.client.get('/api/sites', { headers: { 'x-company-id': bob.company.id } }))
          .status,
        200,
      );
      assert.equal((await ada.client.get('/api/sites')).status, 200);

      await enableTwoFactor(bob);
      assert.equal((await bob.client.get(`/api/sites/${site.id}`)).status, 200);
    });

    it('lets a member without a second factor leave a company that requires one', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const ada = await registerAccount(cloud);
      const bob = await registerAccount(cloud);
      await joinCompany(cloud, bob, ada.company.id, 'member');
      bob.client.companyId = ada.company.id;
      await enableTwoFactor(ada);
      assert.equal(
        (await ada.client.patch('/api/company', { requireTwoFactor: true })).status,
        200,
      );
      assertErrorBody(await bob.client.get('/api/company'), 403, 'TWO_FACTOR_REQUIRED');
      const left = await bob.client.delete(`/api/company/members/${bob.user.id}`);
      assert.equal(left.status, 204, left.text);
      assertErrorBody(await bob.client.get('/api/company'), 404, 'COMPANY_NOT_FOUND');
    });

    it('answers 404 for a company one is not in, and for an oversized X-Company-Id', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const ada = await registerAccount(cloud);
      const eve = await registerAccount(cloud);
      for (const header of [ada.company.id, 'x'.repeat(10_000), 'no-such-company']) {
        for (const send of [
          () => eve.client.get('/api/company', { headers: { 'x-company-id': header } }),
          () =>
            eve.client.patch(
              '/api/company',
              { name: 'Mine' },
              { headers: { 'x-company-id': header } },
            ),
          () => eve.client.get('/api/sites', { headers: { 'x-company-id': header } }),
          () => eve.client.get('/api/audit', { headers: { 'x-company-id': header } }),
        ]) {
          assertErrorBody(await send(), 404, 'COMPANY_NOT_FOUND');
        }
      }
      assert.equal((await ada.client.get('/api/company')).body.name, ada.company.name);
    });
  });
}
