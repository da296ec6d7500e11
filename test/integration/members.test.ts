import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import { createSite, joinCompany, registerAccount, type Account } from '../helpers/factories.ts';
import { ApiClient, assertErrorBody, errorFields, type ApiResponse } from '../helpers/http.ts';

/** Ada (admin) with sites A, B and C; Mia a member with viewer on A; Stan another company's admin. */
async function company(t: TestContext, dialect: TestDialect) {
  const cloud = await startTestCloud(t, dialect);
  const ada = await registerAccount(cloud, { name: 'Ada Admin' });
  const companyId = ada.company.id;
  ada.client.companyId = companyId;
  const siteA = await createSite(ada.client, 'Site A');
  const siteB = await createSite(ada.client, 'Site B');
  const siteC = await createSite(ada.client, 'Site C');
  const mia = await registerAccount(cloud, { name: 'Mia Member' });
  await joinCompany(cloud, mia, companyId, 'member', [{ siteId: siteA.id, role: 'viewer' }]);
  mia.client.companyId = companyId;
  const stan = await registerAccount(cloud, { name: 'Stan Stranger' });
  const stanSite = await createSite(stan.client, 'Stan HQ');
  stan.client.companyId = companyId;
  return { cloud, companyId, ada, mia, stan, siteA, siteB, siteC, stanSite };
}

/** Another admin of the company. */
async function secondAdmin(cloud: TestCloud, companyId: string, name = 'Abe Admin') {
  const abe = await registerAccount(cloud, { name });
  await joinCompany(cloud, abe, companyId, 'admin');
  abe.client.companyId = companyId;
  return abe;
}

const siteIds = (answer: ApiResponse) =>
  (answer.body.items as { id: string }[]).map((site) => site.id).sort();

const adminsOf = async (cloud: TestCloud, companyId: string) =>
  (
    await cloud.store.db
      .selectFrom('memberships')
      .select('user_id')
      .where('company_id', '=', companyId)
      .where('role', '=', 'admin')
      .execute()
  ).map((row) => row.user_id);

/** A token of `person` made in the current company of `client`. */
async function tokenOf(cloud: TestCloud, person: Account): Promise<ApiClient> {
  const made = await person.client.post('/api/tokens', { name: 'script', scope: 'manage' });
  assert.equal(made.status, 201, made.text);
  const token = new ApiClient(cloud.url, { bearer: made.body.token });
  token.companyId = person.client.companyId;
  return token;
}

/** The snapshot without what every request touches ("last used" of sessions and tokens). */
async function stableSnapshot(cloud: TestCloud) {
  const snapshot = await snapshotTables(cloud);
  for (const table of ['sessions', 'api_tokens']) {
    snapshot[table] = snapshot[table]!.map((row) =>
      JSON.stringify({ ...JSON.parse(row), last_used_at: null }),
    ).sort();
  }
  return snapshot;
}

const without = (rows: string[], drop: (row: Record<string, unknown>) => boolean) =>
  rows.filter((row) => !drop(JSON.parse(row) as Record<string, unknown>));

for (const dialect of testDialects) {
  describe(`company members (${dialect.name})`, () => {
    it('lists the members with their roles and site grants', async (t) => {
      const { ada, mia, siteA } = await company(t, dialect);
      const list = await ada.client.get('/api/company/members');
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.body.items.map((m: Record<string, unknown>) => ({
          ...m,
          joinedAt: typeof m.joinedAt,
        })),
        [
          {
            userId: ada.user.id,
            email: ada.email,
            name: 'Ada Admin',
            role: 'admin',
            sites: [],
            joinedAt: 'string',
          },
          {
            userId: mia.user.id,
            email: mia.email,
            name: 'Mia Member',
            role: 'member',
            sites: [{ siteId: siteA.id, siteName: 'Site A', role: 'viewer' }],
            joinedAt: 'string',
          },
        ],
      );
    });

    it("changes a member's role and grants, and the member sees what they were given", async (t) => {
      const { cloud, companyId, ada, mia, siteA, siteB, siteC } = await company(t, dialect);
      assert.deepEqual(siteIds(await mia.client.get('/api/sites')), [siteA.id]);
      const events: unknown[] = [];
      const listener = (event: unknown) => events.push(event);
      cloud.events.on('membership-changed', listener);
      t.after(() => cloud.events.off('membership-changed', listener));

      const changed = await ada.client.patch(`/api/company/members/${mia.user.id}`, {
        role: 'member',
        sites: [
          { siteId: siteC.id, role: 'viewer' },
          { siteId: siteB.id, role: 'site-admin' },
        ],
      });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.body.sites, [
        { siteId: siteB.id, siteName: 'Site B', role: 'site-admin' },
        { siteId: siteC.id, siteName: 'Site C', role: 'viewer' },
      ]);
      assert.equal(changed.body.role, 'member');
      assert.deepEqual(siteIds(await mia.client.get('/api/sites')), [siteB.id, siteC.id].sort());
      assertErrorBody(await mia.client.get(`/api/sites/${siteA.id}`), 404, 'SITE_NOT_FOUND');
      const renamed = await mia.client.patch(`/api/sites/${siteB.id}`, { name: 'Site B2' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.deepEqual(events, [{ companyId, userId: mia.user.id }], 'live updates are told');
      const viewerRename = await mia.client.patch(`/api/sites/${siteC.id}`, { name: 'No' });
      assertErrorBody(viewerRename, 403, 'INSUFFICIENT_ROLE');

      // An admin sees every site; the grants given along are not kept.
      const promoted = await ada.client.patch(`/api/company/members/${mia.user.id}`, {
        role: 'admin',
        sites: [{ siteId: siteA.id, role: 'viewer' }],
      });
      assert.equal(promoted.status, 200, promoted.text);
      assert.deepEqual(promoted.body.sites, []);
      const grants = await cloud.store.db
        .selectFrom('site_memberships')
        .selectAll()
        .where('user_id', '=', mia.user.id)
        .execute();
      assert.deepEqual(grants, []);
      assert.deepEqual(
        siteIds(await mia.client.get('/api/sites')),
        [siteA.id, siteB.id, siteC.id].sort(),
      );
      assert.equal((await mia.client.get('/api/company/members')).status, 200);

      // Back to a member with no grant: no site at all.
      const demoted = await ada.client.patch(`/api/company/members/${mia.user.id}`, {
        role: 'member',
        sites: [],
      });
      assert.equal(demoted.status, 200, demoted.text);
      assert.deepEqual(siteIds(await mia.client.get('/api/sites')), []);
      assertErrorBody(await mia.client.get('/api/company/members'), 403, 'INSUFFICIENT_ROLE');
    });

    it("refuses sites that are not the company's, twice-listed sites and unknown members", async (t) => {
      const { cloud, ada, mia, stan, siteA, stanSite } = await company(t, dialect);
      const before = await stableSnapshot(cloud);
      const path = `/api/company/members/${mia.user.id}`;
      const foreign = await ada.client.patch(path, {
        role: 'member',
        sites: [
          { siteId: siteA.id, role: 'viewer' },
          { siteId: stanSite.id, role: 'site-admin' },
        ],
      });
      assertErrorBody(foreign, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(foreign), ['sites[1].siteId']);
      const made = await ada.client.patch(path, {
        role: 'member',
        sites: [{ siteId: 'no-such-site', role: 'viewer' }],
      });
      assert.deepEqual(errorFields(made), ['sites[0].siteId']);
      const twice = await ada.client.patch(path, {
        role: 'member',
        sites: [
          { siteId: siteA.id, role: 'viewer' },
          { siteId: siteA.id, role: 'site-admin' },
        ],
      });
      assertErrorBody(twice, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(twice), ['sites[1].siteId']);
      const badRole = await ada.client.patch(path, { role: 'owner', sites: [] });
      assert.deepEqual(errorFields(badRole), ['role']);

      // Stan exists, but not in this company.
      const body = { role: 'member', sites: [] };
      for (const answer of [
        await ada.client.patch(`/api/company/members/${stan.user.id}`, body),
        await ada.client.delete(`/api/company/members/${stan.user.id}`),
        await ada.client.delete('/api/company/members/no-such-person'),
      ]) {
        assertErrorBody(answer, 404, 'MEMBER_NOT_FOUND');
      }
      assert.deepEqual(await stableSnapshot(cloud), before, 'nothing changed');
    });

    it('keeps an admin: the last admin cannot step down or leave (409 LAST_ADMIN)', async (t) => {
      const { cloud, companyId, ada, mia } = await company(t, dialect);
      const before = await stableSnapshot(cloud);
      const own = `/api/company/members/${ada.user.id}`;
      assertErrorBody(
        await ada.client.patch(own, { role: 'member', sites: [] }),
        409,
        'LAST_ADMIN',
      );
      assertErrorBody(await ada.client.delete(own), 409, 'LAST_ADMIN');
      // Through a token of the last admin alike.
      const token = await tokenOf(cloud, ada);
      const afterToken = await stableSnapshot(cloud);
      assertErrorBody(await token.delete(own), 409, 'LAST_ADMIN');
      assert.deepEqual(await stableSnapshot(cloud), afterToken, 'nothing changed');
      assert.deepEqual(before.memberships, afterToken.memberships);

      // With a second admin the first may step down, and then the second is the last.
      const promoted = await ada.client.patch(`/api/company/members/${mia.user.id}`, {
        role: 'admin',
        sites: [],
      });
      assert.equal(promoted.status, 200, promoted.text);
      const stepDown = await ada.client.patch(own, { role: 'member', sites: [] });
      assert.equal(stepDown.status, 200, stepDown.text);
      const miaOwn = `/api/company/members/${mia.user.id}`;
      assertErrorBody(
        await mia.client.patch(miaOwn, { role: 'member', sites: [] }),
        409,
        'LAST_ADMIN',
      );
      assertErrorBody(await mia.client.delete(miaOwn), 409, 'LAST_ADMIN');
      assert.deepEqual(await adminsOf(cloud, companyId), [mia.user.id]);
    });

    it('never leaves the company without an admin when admins demote, remove or leave at once', async (t) => {
      const { cloud, companyId, ada } = await company(t, dialect);
      const abe = await secondAdmin(cloud, companyId);
      const path = (person: Account) => `/api/company/members/${person.user.id}`;
      const demote = { role: 'member', sites: [] };
      const promote = { role: 'admin', sites: [] };
      for (let round = 0; round < 8; round += 1) {
        const answers = await Promise.all([
          ada.client.patch(path(abe), demote),
          abe.client.patch(path(ada), demote),
        ]);
        const statuses = answers.map((a) => a.status).sort();
        assert.equal(statuses[0], 200, answers.map((a) => a.text).join(' | '));
        const refused = answers.find((a) => a.status !== 200)!;
        assert.ok(refused, `one is refused: ${statuses.join(',')}`);
        assert.ok(
          ['LAST_ADMIN', 'INSUFFICIENT_ROLE'].includes(refused.body.error.code),
          refused.text,
        );
        const admins = await adminsOf(cloud, companyId);
        assert.equal(admins.length, 1, `round ${round}: one admin is left`);
        // The one left promotes the other again for the next round.
        const left = admins[0] === ada.user.id ? ada : abe;
        const other = left === ada ? abe : ada;
        assert.equal((await left.client.patch(path(other), promote)).status, 200);
      }

      // Both leave at once: one goes, the other stays as the last admin.
      const leaving = await Promise.all([
        ada.client.delete(path(ada)),
        abe.client.delete(path(abe)),
      ]);
      assert.deepEqual(leaving.map((a) => a.status).sort(), [204, 409]);
      assert.equal((await adminsOf(cloud, companyId)).length, 1);
      const stayed = leaving[0]!.status === 409 ? ada : abe;
      const gone = stayed === ada ? abe : ada;
      await joinCompany(cloud, gone, companyId, 'admin');

      // Each removes the other at once: one is removed, the other's request finds them gone.
      const removing = await Promise.all([
        ada.client.delete(path(abe)),
        abe.client.delete(path(ada)),
      ]);
      const removed = removing.filter((a) => a.status === 204);
      assert.equal(removed.length, 1, removing.map((a) => a.text).join(' | '));
      const other = removing.find((a) => a.status !== 204)!;
      assertErrorBody(other, 404, 'COMPANY_NOT_FOUND');
      assert.equal((await adminsOf(cloud, companyId)).length, 1);
    });

    it("does not let another company's admin or a member manage our members", async (t) => {
      const { cloud, ada, mia, stan } = await company(t, dialect);
      const before = await stableSnapshot(cloud);
      const target = `/api/company/members/${ada.user.id}`;
      const attempts = (client: ApiClient) => [
        () => client.get('/api/company/members'),
        () => client.patch(target, { role: 'member', sites: [] }),
        () => client.patch(`/api/company/members/${mia.user.id}`, { role: 'admin', sites: [] }),
        () => client.delete(target),
      ];
      for (const attempt of attempts(stan.client)) {
        assertErrorBody(await attempt(), 404, 'COMPANY_NOT_FOUND');
      }
      // Stan's token, made in his own company, asking for ours.
      const stanOwn = stan.client.clone();
      stanOwn.companyId = stan.company.id;
      const stanToken = await tokenOf(cloud, { ...stan, client: stanOwn });
      stanToken.companyId = ada.company.id;
      for (const attempt of attempts(stanToken)) {
        assertErrorBody(await attempt(), 404, 'COMPANY_NOT_FOUND');
      }
      for (const attempt of attempts(mia.client)) {
        assertErrorBody(await attempt(), 403, 'INSUFFICIENT_ROLE');
      }
      const miaToken = await tokenOf(cloud, mia);
      for (const attempt of attempts(miaToken)) {
        assertErrorBody(await attempt(), 403, 'INSUFFICIENT_ROLE');
      }
      const after = await stableSnapshot(cloud);
      // Only the two tokens were made.
      assert.equal(after.api_tokens!.length, before.api_tokens!.length + 2);
      assert.deepEqual({ ...after, api_tokens: [] }, { ...before, api_tokens: [] });
    });

    it('removes a member at once: their session and tokens no longer reach the company, nothing else changes', async (t) => {
      const { cloud, companyId, ada, mia, siteA } = await company(t, dialect);
      const companyToken = await tokenOf(cloud, mia);
      // A token from before issue 16 (made for no company) stays, but no longer reaches ours.
      const legacyToken = await tokenOf(cloud, mia);
      const legacyId = (await mia.client.get('/api/tokens')).body.items[0].id as string;
      await cloud.store.db
        .updateTable('api_tokens')
        .set({ company_id: null })
        .where('id', '=', legacyId)
        .execute();
      // Mia's own company (from sign-up) is not touched.
      const miaOwn = mia.client.clone();
      miaOwn.companyId = mia.company.id;
      const ownSite = await createSite(miaOwn, 'Mia at home');
      assert.equal((await companyToken.get('/api/sites')).status, 200);
      assert.equal((await legacyToken.get(`/api/sites/${siteA.id}`)).status, 200);

      const events: unknown[] = [];
      const listener = (event: unknown) => events.push(event);
      cloud.events.on('membership-changed', listener);
      t.after(() => cloud.events.off('membership-changed', listener));

      const before = await stableSnapshot(cloud);
      const removed = await ada.client.delete(`/api/company/members/${mia.user.id}`);
      assert.equal(removed.status, 204, removed.text);
      assert.equal(removed.text, '');
      const after = await stableSnapshot(cloud);

      const ofMiaHere = (row: Record<string, unknown>) =>
        row.user_id === mia.user.id && row.company_id === companyId;
      assert.deepEqual(after, {
        ...before,
        memberships: without(before.memberships!, ofMiaHere),
        site_memberships: without(before.site_memberships!, ofMiaHere),
        api_tokens: without(before.api_tokens!, ofMiaHere),
        audit_events: after.audit_events,
      });
      assert.equal(before.api_tokens!.length - after.api_tokens!.length, 1);
      assert.equal(after.audit_events!.length, before.audit_events!.length + 1);
      assert.deepEqual(events, [{ companyId, userId: mia.user.id }]);

      // The next request of each of her credentials in our company is refused.
      assertErrorBody(await mia.client.get('/api/sites'), 404, 'COMPANY_NOT_FOUND');
      assertErrorBody(await mia.client.get(`/api/sites/${siteA.id}`), 404, 'SITE_NOT_FOUND');
      assertErrorBody(await legacyToken.get('/api/sites'), 404, 'COMPANY_NOT_FOUND');
      assertErrorBody(await legacyToken.get(`/api/sites/${siteA.id}`), 404, 'SITE_NOT_FOUND');
      // The token made for our company is gone: it authenticates nobody any more.
      assertErrorBody(await companyToken.get('/api/sites'), 401, 'UNAUTHENTICATED');
      // Her session still works in her own company.
      assert.deepEqual(siteIds(await miaOwn.get('/api/sites')), [ownSite.id]);
      const me = await miaOwn.get('/api/me');
      assert.deepEqual(
        me.body.memberships.map((m: { companyId: string }) => m.companyId),
        [mia.company.id],
      );
      // Removing her again: she is no member.
      assertErrorBody(
        await ada.client.delete(`/api/company/members/${mia.user.id}`),
        404,
        'MEMBER_NOT_FOUND',
      );
    });

    it('lets any member leave the company', async (t) => {
      const { cloud, companyId, ada, mia } = await company(t, dialect);
      const left = await mia.client.delete(`/api/company/members/${mia.user.id}`);
      assert.equal(left.status, 204, left.text);
      assertErrorBody(await mia.client.get('/api/company'), 404, 'COMPANY_NOT_FOUND');
      const list = await ada.client.get('/api/company/members');
      assert.deepEqual(
        list.body.items.map((m: { userId: string }) => m.userId),
        [ada.user.id],
      );
      // An admin may leave too while another admin stays.
      const abe = await secondAdmin(cloud, companyId);
      assert.equal((await abe.client.delete(`/api/company/members/${abe.user.id}`)).status, 204);
      assert.deepEqual(await adminsOf(cloud, companyId), [ada.user.id]);
    });

    it('refuses oversized grant lists and changes nothing', async (t) => {
      const { cloud, ada, mia, siteA } = await company(t, dialect);
      const before = await stableSnapshot(cloud);
      const path = `/api/company/members/${mia.user.id}`;
      const grant = { siteId: siteA.id, role: 'viewer' };
      // 10,000 entries small enough to pass the body limit: refused by the list's length.
      const tenThousand = await ada.client.patch(path, {
        role: 'member',
        sites: Array.from({ length: 10_000 }, () => 0),
      });
      assertErrorBody(tenThousand, 400, 'VALIDATION_FAILED');
      assert.ok(errorFields(tenThousand).includes('sites'), tenThousand.text.slice(0, 300));
      assert.ok(tenThousand.text.length < 64 * 1024, 'the answer does not list every entry');
      const justOver = await ada.client.patch(path, {
        role: 'member',
        sites: Array.from({ length: 501 }, () => grant),
      });
      assertErrorBody(justOver, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(justOver), ['sites']);
      // 10,000 real grants are over the body limit before anything reads them.
      const huge = await ada.client.patch(path, {
        role: 'member',
        sites: Array.from({ length: 10_000 }, () => grant),
      });
      assertErrorBody(huge, 413, 'PAYLOAD_TOO_LARGE');
      const longId = await ada.client.patch(`/api/company/members/${'x'.repeat(101)}`, {
        role: 'member',
        sites: [],
      });
      // Over the router's parameter length: no route matches.
      assertErrorBody(longId, 404, 'NOT_FOUND');
      assert.deepEqual(await stableSnapshot(cloud), before, 'nothing changed');
    });

    it('writes the changes to the company audit log', async (t) => {
      const { cloud, companyId, ada, mia, siteB } = await company(t, dialect);
      const abe = await secondAdmin(cloud, companyId);
      const rita = await registerAccount(cloud, { name: 'Rita' });
      await joinCompany(cloud, rita, companyId, 'member');
      rita.client.companyId = companyId;

      const grants = [{ siteId: siteB.id, role: 'site-admin' }];
      assert.equal(
        (
          await ada.client.patch(`/api/company/members/${mia.user.id}`, {
            role: 'member',
            sites: grants,
          })
        ).status,
        200,
      );
      assert.equal((await ada.client.delete(`/api/company/members/${abe.user.id}`)).status, 204);
      assert.equal((await rita.client.delete(`/api/company/members/${rita.user.id}`)).status, 204);

      const audit = await ada.client.get('/api/audit');
      assert.equal(audit.status, 200, audit.text);
      const members = (audit.body.items as Record<string, unknown>[]).filter((e) =>
        String(e.action).startsWith('member.'),
      );
      assert.deepEqual(
        members.map((e) => ({
          action: e.action,
          siteId: e.siteId,
          actor: e.actor,
          detail: e.detail,
        })),
        [
          {
            action: 'member.left',
            siteId: null,
            actor: rita.email,
            detail: { userId: rita.user.id, email: rita.email, role: 'member', tokensDeleted: 0 },
          },
          {
            action: 'member.removed',
            siteId: null,
            actor: ada.email,
            detail: { userId: abe.user.id, email: abe.email, role: 'admin', tokensDeleted: 0 },
          },
          {
            action: 'member.role-changed',
            siteId: null,
            actor: ada.email,
            detail: {
              userId: mia.user.id,
              email: mia.email,
              from: 'member',
              to: 'member',
              sites: grants,
            },
          },
        ],
      );
      // A refused change writes nothing.
      const count = audit.body.items.length;
      await mia.client.delete(`/api/company/members/${ada.user.id}`);
      assert.equal((await ada.client.get('/api/audit')).body.items.length, count);
    });
  });
}
