import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import { MAX_PENDING_INVITATIONS } from '../../src/cloud/services/invitations.service.ts';
import { hashToken } from '../../src/cloud/services/tokens.ts';
import { snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  createSite,
  DEFAULT_PASSWORD,
  joinCompany,
  registerAccount,
  uniqueEmail,
  type Account,
} from '../helpers/factories.ts';
import { ApiClient, assertErrorBody, errorFields } from '../helpers/http.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

/** The token of an invitation link, from its fragment (the part no server is sent). */
function tokenOf(cloud: RunningCloud, link: string): string {
  const url = new URL(link);
  assert.equal(`${url.origin}${url.pathname}`, `${cloud.url}/invitations`);
  assert.ok(url.hash.length > 40, link);
  return url.hash.slice(1);
}

/** An admin with a company of two sites, its client acting in that company. */
async function adminWithSites(cloud: RunningCloud, name = 'Ada Admin') {
  const admin = await registerAccount(cloud, { name });
  admin.client.companyId = admin.company.id;
  const siteA = await createSite(admin.client, 'Site A');
  const siteB = await createSite(admin.client, 'Site B');
  return { admin, siteA, siteB, companyId: admin.company.id as string };
}

const auditOf = async (cloud: RunningCloud, action: string) =>
  (
    await cloud.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', action)
      .execute()
  ).map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));

async function inviteVia(
  admin: Account,
  email: string,
  role: 'admin' | 'member' = 'member',
  sites: { siteId: string; role: 'site-admin' | 'viewer' }[] = [],
) {
  const made = await admin.client.post('/api/company/invitations', { email, role, sites });
  assert.equal(made.status, 201, made.text);
  return made.body as {
    id: string;
    email: string;
    link: string;
    sites: { siteId: string; siteName: string; role: string }[];
    expiresAt: string;
  };
}

const accept = (cloud: RunningCloud, token: string, client = new ApiClient(cloud.url)) =>
  client.post(`/api/invitations/${token}/accept`, {
    name: 'Nina New',
    password: DEFAULT_PASSWORD,
  });

async function mailedToken(cloud: RunningCloud, smtp: TestSmtp, email: string, count = 1) {
  const mail = await smtp.waitForMail(email, count);
  return tokenOf(cloud, linkIn(mail, `${cloud.url}/invitations#`));
}

for (const dialect of testDialects) {
  describe(`invitations (${dialect.name})`, () => {
    it('invites by mail; the link makes an account that sees only the granted site, once', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      // A name that would be markup: the company's name in the mail must stay text.
      const { admin, siteA, siteB, companyId } = await adminWithSites(cloud, 'Ada <b>"&"</b>');
      const email = uniqueEmail('nina');

      const made = await admin.client.post('/api/company/invitations', {
        email: email.toUpperCase(),
        role: 'member',
        sites: [{ siteId: siteA.id, role: 'viewer' }],
      });
      assert.equal(made.status, 201, made.text);
      assert.deepEqual(Object.keys(made.body).sort(), [
        'email',
        'expiresAt',
        'id',
        'link',
        'role',
        'sites',
      ]);
      assert.equal(made.body.email, email, 'the address is stored lower-cased');
      assert.deepEqual(made.body.sites, [{ siteId: siteA.id, siteName: 'Site A', role: 'viewer' }]);
      const sevenDays = Date.parse(made.body.expiresAt) - Date.now();
      assert.ok(sevenDays > 6.9 * 86_400_000 && sevenDays <= 7 * 86_400_000, made.body.expiresAt);

      const mail = await smtp.waitForMail(email);
      const link = linkIn(mail, `${cloud.url}/invitations#`);
      assert.equal(link, made.body.link, 'the mail carries the link of the answer');
      const html = String(mail.parsed.html);
      assert.ok(html.includes(`href="${link}"`), 'the HTML part carries the same link');
      assert.ok(!html.includes('<b>'), 'no value becomes markup');
      assert.ok(html.includes('&lt;b&gt;'), html);
      const token = tokenOf(cloud, link);
      assert.equal(Buffer.from(token, 'base64url').length, 32, '256 random bits');

      // Only the hash is stored, and the token is in no audit row.
      const stored = await cloud.store.db.selectFrom('invitations').selectAll().execute();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.token_hash, hashToken(token));
      assert.ok(!JSON.stringify(stored).includes(token));

      const pending = await admin.client.get('/api/company/invitations');
      assert.equal(pending.status, 200, pending.text);
      assert.equal(pending.body.items.length, 1);
      assert.equal(pending.body.items[0].invitedBy, admin.email);
      assert.equal(pending.body.items[0].link, undefined, 'the link is not listed');

      const browser = new ApiClient(cloud.url);
      const offer = await browser.get(`/api/invitations/${token}`);
      assert.equal(offer.status, 200, offer.text);
      assert.deepEqual(offer.body, {
        companyName: admin.company.name,
        email,
        role: 'member',
        invitedBy: admin.user.name,
        expiresAt: made.body.expiresAt,
        accountExists: false,
      });

      const joined = await accept(cloud, token, browser);
      assert.equal(joined.status, 200, joined.text);
      assert.equal(joined.body.companyId, companyId);
      assert.equal(joined.body.role, 'member');
      assert.ok(browser.session, 'the new account is signed in');
      const me = await browser.get('/api/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.user.email, email);
      assert.deepEqual(me.body.memberships, [
        { companyId, companyName: admin.company.name, role: 'member' },
      ]);
      browser.companyId = companyId;
      const sites = await browser.get('/api/sites');
      assert.equal(sites.status, 200, sites.text);
      assert.deepEqual(
        sites.body.items.map((s: { id: string }) => s.id),
        [siteA.id],
      );
      assertErrorBody(await browser.get(`/api/sites/${siteB.id}`), 404, 'SITE_NOT_FOUND');
      // The same password rules and sign-in as any account.
      const login = await new ApiClient(cloud.url).post('/api/auth/login', {
        email,
        password: DEFAULT_PASSWORD,
      });
      assert.equal(login.status, 200, login.text);

      // The link is dead now.
      assertErrorBody(
        await new ApiClient(cloud.url).get(`/api/invitations/${token}`),
        410,
        'INVITATION_INVALID',
      );
      const before = await snapshotTables(cloud);
      assertErrorBody(await accept(cloud, token), 410, 'INVITATION_INVALID');
      assert.deepEqual(await snapshotTables(cloud), before);
      assert.deepEqual((await admin.client.get('/api/company/invitations')).body.items, []);

      const [invited] = await auditOf(cloud, 'member.invited');
      assert.equal(invited!.site_id, null);
      assert.equal(invited!.company_id, companyId);
      assert.deepEqual(invited!.detail.sites, [{ siteId: siteA.id, role: 'viewer' }]);
      assert.equal(invited!.detail.email, email);
      const [memberJoined] = await auditOf(cloud, 'member.joined');
      assert.equal(memberJoined!.site_id, null);
      assert.equal(memberJoined!.detail.email, email);
      assert.equal(memberJoined!.detail.invitedEmail, email);
      assert.equal(memberJoined!.detail.role, 'member');
      const audit = JSON.stringify(
        await cloud.store.db.selectFrom('audit_events').selectAll().execute(),
      );
      assert.ok(!audit.includes(token), 'the token is in no audit row');
      const log = await admin.client.get('/api/audit');
      assert.equal(log.status, 200, log.text);
      const actions = log.body.items.map((i: { action: string }) => i.action);
      assert.ok(actions.includes('member.invited') && actions.includes('member.joined'), actions);
    });

    it('joins the signed-in account, whatever its address; forged accepts are refused', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const { admin, siteA, siteB, companyId } = await adminWithSites(cloud);
      const bob = await registerAccount(cloud, { name: 'Bob Signed-In' });
      const invitedEmail = uniqueEmail('bob-work');
      await inviteVia(admin, invitedEmail, 'member', [
        { siteId: siteA.id, role: 'site-admin' },
        { siteId: siteB.id, role: 'viewer' },
      ]);
      const token = await mailedToken(cloud, smtp, invitedEmail);
      // Site B is gone before the invitation is accepted: its grant is skipped. (No route
      // deletes a site yet; the row goes as a future deletion would take it.)
      await cloud.store.db.deleteFrom('sites').where('id', '=', siteB.id).execute();

      // A page elsewhere posting with bob's cookie but without the CSRF token: refused.
      const before = await snapshotTables(cloud);
      for (const csrf of [false, 'forged-csrf-token'] as const) {
        const forged = await bob.client.post(`/api/invitations/${token}/accept`, {}, { csrf });
        assertErrorBody(forged, 403, 'CSRF_TOKEN_INVALID');
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'a forged accept changes nothing');

      const offer = await bob.client.get(`/api/invitations/${token}`);
      assert.equal(offer.body.accountExists, false);
      const joined = await bob.client.post(`/api/invitations/${token}/accept`, {});
      assert.equal(joined.status, 200, joined.text);
      assert.deepEqual(joined.body, {
        companyId,
        companyName: admin.company.name,
        role: 'member',
      });
      bob.client.companyId = companyId;
      const sites = await bob.client.get('/api/sites');
      assert.deepEqual(
        sites.body.items.map((s: { id: string }) => s.id),
        [siteA.id],
      );
      const members = await admin.client.get('/api/company/members');
      const bobAsMember = members.body.items.find(
        (m: { userId: string }) => m.userId === bob.user.id,
      );
      assert.deepEqual(bobAsMember.sites, [
        { siteId: siteA.id, siteName: 'Site A', role: 'site-admin' },
      ]);
      const [memberJoined] = await auditOf(cloud, 'member.joined');
      assert.equal(memberJoined!.detail.email, bob.email, "the account's address");
      assert.equal(memberJoined!.detail.invitedEmail, invitedEmail, 'and the invited one');

      // Already a member: cannot be invited, and cannot use another invitation.
      assertErrorBody(
        await admin.client.post('/api/company/invitations', { email: bob.email, role: 'member' }),
        409,
        'ALREADY_MEMBER',
      );
      const other = uniqueEmail('other');
      await inviteVia(admin, other);
      const otherToken = await mailedToken(cloud, smtp, other);
      bob.client.companyId = undefined;
      assertErrorBody(
        await bob.client.post(`/api/invitations/${otherToken}/accept`, {}),
        409,
        'ALREADY_MEMBER',
      );
      // That refusal used nothing up: the invitation still works for its addressee.
      assert.equal((await accept(cloud, otherToken)).status, 200);

      // Not signed in, for an address that has an account: sign in first.
      const carol = await registerAccount(cloud, { name: 'Carol Existing' });
      await inviteVia(admin, carol.email);
      const carolToken = await mailedToken(cloud, smtp, carol.email);
      assert.equal(
        (await new ApiClient(cloud.url).get(`/api/invitations/${carolToken}`)).body.accountExists,
        true,
      );
      assertErrorBody(await accept(cloud, carolToken), 409, 'EMAIL_TAKEN');
      // Not signed in and no name or password: says which fields.
      const bare = await new ApiClient(cloud.url).post(`/api/invitations/${carolToken}/accept`, {});
      assertErrorBody(bare, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(bare).sort(), ['name', 'password']);
      const weak = await new ApiClient(cloud.url).post(`/api/invitations/${carolToken}/accept`, {
        name: 'Weak',
        password: 'short',
      });
      assertErrorBody(weak, 400, 'PASSWORD_TOO_WEAK');
      assert.equal(
        (await carol.client.post(`/api/invitations/${carolToken}/accept`, {})).status,
        200,
      );
    });

    it('resend and a new invitation kill the old link; revoked and expired links are dead', async (t) => {
      const smtp = await startTestSmtp(t);
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url, clock });
      const { admin } = await adminWithSites(cloud);
      const browser = new ApiClient(cloud.url);

      const dora = uniqueEmail('dora');
      const first = await inviteVia(admin, dora);
      const firstToken = await mailedToken(cloud, smtp, dora, 1);
      clock.advance(60_000);
      const resent = await admin.client.post(`/api/company/invitations/${first.id}/resend`);
      assert.equal(resent.status, 200, resent.text);
      assert.equal(resent.body.id, first.id);
      assert.notEqual(resent.body.link, first.link);
      assert.ok(resent.body.expiresAt > first.expiresAt, 'seven new days');
      const secondToken = await mailedToken(cloud, smtp, dora, 2);
      assert.equal(`${cloud.url}/invitations#${secondToken}`, resent.body.link);
      assertErrorBody(
        await browser.get(`/api/invitations/${firstToken}`),
        410,
        'INVITATION_INVALID',
      );
      assert.equal((await browser.get(`/api/invitations/${secondToken}`)).status, 200);
      assert.equal((await auditOf(cloud, 'invitation.resent')).length, 1);

      // A new invitation to the same address replaces the pending one.
      const replaced = await inviteVia(admin, dora, 'admin');
      const thirdToken = await mailedToken(cloud, smtp, dora, 3);
      assertErrorBody(
        await browser.get(`/api/invitations/${secondToken}`),
        410,
        'INVITATION_INVALID',
      );
      const listed = (await admin.client.get('/api/company/invitations')).body.items;
      assert.deepEqual(
        listed.map((i: { id: string; role: string }) => [i.id, i.role]),
        [[replaced.id, 'admin']],
      );
      assertErrorBody(
        await admin.client.post(`/api/company/invitations/${first.id}/resend`),
        404,
        'INVITATION_NOT_FOUND',
      );

      // Revoked: the link dies, a second revoke is unknown.
      const revoked = await admin.client.delete(`/api/company/invitations/${replaced.id}`);
      assert.equal(revoked.status, 204, revoked.text);
      assertErrorBody(
        await browser.get(`/api/invitations/${thirdToken}`),
        410,
        'INVITATION_INVALID',
      );
      assertErrorBody(await accept(cloud, thirdToken), 410, 'INVITATION_INVALID');
      assertErrorBody(
        await admin.client.delete(`/api/company/invitations/${replaced.id}`),
        404,
        'INVITATION_NOT_FOUND',
      );
      const [revokedAudit] = await auditOf(cloud, 'invitation.revoked');
      assert.equal(revokedAudit!.detail.email, dora);

      // Expired: seven days on, the link is dead and the invitation no longer listed.
      const emil = uniqueEmail('emil');
      await inviteVia(admin, emil);
      const emilToken = await mailedToken(cloud, smtp, emil);
      clock.advance(7 * 86_400_000 - 1);
      assert.equal((await browser.get(`/api/invitations/${emilToken}`)).status, 200);
      clock.advance(1);
      assertErrorBody(
        await browser.get(`/api/invitations/${emilToken}`),
        410,
        'INVITATION_INVALID',
      );
      const before = await snapshotTables(cloud);
      assertErrorBody(await accept(cloud, emilToken), 410, 'INVITATION_INVALID');
      assert.deepEqual(await snapshotTables(cloud), before);
      // (The admin's session has expired too: sign in again to look.)
      const again = new ApiClient(cloud.url);
      const login = await again.post('/api/auth/login', {
        email: admin.email,
        password: admin.password,
      });
      assert.equal(login.status, 200, login.text);
      assert.deepEqual((await again.get('/api/company/invitations')).body.items, []);
    });

    it('lets exactly one of two parallel accepts win', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const { admin, companyId } = await adminWithSites(cloud);
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const carol = await registerAccount(cloud, { name: 'Carol' });
      const email = uniqueEmail('shared');
      await inviteVia(admin, email);
      const token = await mailedToken(cloud, smtp, email);

      const answers = await Promise.all([
        bob.client.post(`/api/invitations/${token}/accept`, {}),
        carol.client.post(`/api/invitations/${token}/accept`, {}),
      ]);
      assert.deepEqual(
        answers.map((a) => a.status).sort(),
        [200, 410],
        answers.map((a) => a.text).join(' '),
      );
      const loser = answers.find((a) => a.status !== 200)!;
      assertErrorBody(loser, 410, 'INVITATION_INVALID');
      const members = await cloud.store.db
        .selectFrom('memberships')
        .select('user_id')
        .where('company_id', '=', companyId)
        .execute();
      assert.equal(members.length, 2, 'the admin and one of the two');
      assert.equal((await auditOf(cloud, 'member.joined')).length, 1);

      // Two new accounts at once from one link: one account, one membership.
      const fresh = uniqueEmail('fresh');
      await inviteVia(admin, fresh);
      const freshToken = await mailedToken(cloud, smtp, fresh);
      const both = await Promise.all([accept(cloud, freshToken), accept(cloud, freshToken)]);
      assert.equal(
        both.filter((a) => a.status === 200).length,
        1,
        both.map((a) => a.text).join(' '),
      );
      for (const refused of both.filter((a) => a.status !== 200)) {
        assert.ok([409, 410].includes(refused.status), refused.text);
      }
      const users = await cloud.store.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', fresh)
        .execute();
      assert.equal(users.length, 1);
    });

    it('lets only admins invite, only to their own sites, within the limits', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const { admin, siteA, companyId } = await adminWithSites(cloud);
      const other = await adminWithSites(cloud, 'Otto Other');
      const member = await registerAccount(cloud, { name: 'Mia Member' });
      await joinCompany(cloud, member, companyId, 'member', [
        { siteId: siteA.id, role: 'site-admin' },
      ]);
      member.client.companyId = companyId;
      const viewer = await registerAccount(cloud, { name: 'Vic Viewer' });
      await joinCompany(cloud, viewer, companyId, 'member', [{ siteId: siteA.id, role: 'viewer' }]);
      viewer.client.companyId = companyId;
      const stranger = await registerAccount(cloud, { name: 'Stan Stranger' });
      stranger.client.companyId = companyId;
      const pendingId = (await inviteVia(admin, uniqueEmail('pending'))).id;
      const before = await snapshotTables(cloud);

      const body = { email: uniqueEmail('x'), role: 'member' };
      for (const person of [member, viewer]) {
        assertErrorBody(
          await person.client.post('/api/company/invitations', body),
          403,
          'INSUFFICIENT_ROLE',
        );
        assertErrorBody(
          await person.client.get('/api/company/invitations'),
          403,
          'INSUFFICIENT_ROLE',
        );
        assertErrorBody(
          await person.client.delete(`/api/company/invitations/${pendingId}`),
          403,
          'INSUFFICIENT_ROLE',
        );
      }
      assertErrorBody(
        await stranger.client.post('/api/company/invitations', body),
        404,
        'COMPANY_NOT_FOUND',
      );
      // Another company's admin cannot touch this company's invitation.
      assertErrorBody(
        await other.admin.client.delete(`/api/company/invitations/${pendingId}`),
        404,
        'INVITATION_NOT_FOUND',
      );
      assertErrorBody(
        await other.admin.client.post(`/api/company/invitations/${pendingId}/resend`),
        404,
        'INVITATION_NOT_FOUND',
      );

      // A site of another company, twice the same site, too many sites, bad addresses.
      const foreign = await admin.client.post('/api/company/invitations', {
        ...body,
        sites: [{ siteId: other.siteA.id, role: 'viewer' }],
      });
      assertErrorBody(foreign, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(foreign), ['sites[0].siteId']);
      const twice = await admin.client.post('/api/company/invitations', {
        ...body,
        sites: [
          { siteId: siteA.id, role: 'viewer' },
          { siteId: siteA.id, role: 'site-admin' },
        ],
      });
      assertErrorBody(twice, 400, 'VALIDATION_FAILED');
      const many = await admin.client.post('/api/company/invitations', {
        ...body,
        sites: Array.from({ length: 101 }, (_, i) => ({ siteId: `site-${i}`, role: 'viewer' })),
      });
      assertErrorBody(many, 400, 'VALIDATION_FAILED');
      for (const email of ['not-an-address', 'a@b', `${'a'.repeat(250)}@example.com`]) {
        assertErrorBody(
          await admin.client.post('/api/company/invitations', { email, role: 'member' }),
          400,
          'VALIDATION_FAILED',
        );
      }
      const huge = await admin.client.post('/api/company/invitations', undefined, {
        body: JSON.stringify({ ...body, padding: 'x'.repeat(200 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      assertErrorBody(huge, 413, 'PAYLOAD_TOO_LARGE');
      const hugeAccept = await new ApiClient(cloud.url).post(
        '/api/invitations/x/accept',
        undefined,
        {
          body: JSON.stringify({ name: 'x', password: 'y'.repeat(200 * 1024) }),
          headers: { 'content-type': 'application/json' },
        },
      );
      assertErrorBody(hugeAccept, 413, 'PAYLOAD_TOO_LARGE');
      assert.deepEqual(await snapshotTables(cloud), before, 'no refusal changed anything');

      // At most 50 pending invitations per company.
      for (let i = 1; i < MAX_PENDING_INVITATIONS; i++) {
        await inviteVia(admin, uniqueEmail(`bulk${i}`));
      }
      const full = await snapshotTables(cloud);
      assertErrorBody(
        await admin.client.post('/api/company/invitations', body),
        409,
        'TOO_MANY_INVITATIONS',
      );
      assert.deepEqual(await snapshotTables(cloud), full);
      // Withdrawing one makes room again.
      assert.equal(
        (await admin.client.delete(`/api/company/invitations/${pendingId}`)).status,
        204,
      );
      await inviteVia(admin, body.email);
    });

    it('bounds guesses of tokens from one address', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { admin } = await adminWithSites(cloud);
      const made = await inviteVia(admin, uniqueEmail('guarded'));
      const token = tokenOf(cloud, made.link);
      const guesser = new ApiClient(cloud.url);
      let refused = 0;
      for (let i = 0; i < 12; i++) {
        const guess = await guesser.get(
          `/api/invitations/${Buffer.alloc(32, i).toString('base64url')}`,
        );
        if (guess.status === 429) {
          assertErrorBody(guess, 429, 'TOO_MANY_LOGIN_ATTEMPTS');
          refused++;
        } else {
          assertErrorBody(guess, 410, 'INVITATION_INVALID');
        }
      }
      assert.ok(refused >= 2, 'after ten misses the address is refused');
      assertErrorBody(
        await accept(cloud, 'another-guess', guesser),
        429,
        'TOO_MANY_LOGIN_ATTEMPTS',
      );
      // Another address still opens the real link.
      const other = new ApiClient(cloud.url, { localAddress: '127.0.0.2' });
      assert.equal((await other.get(`/api/invitations/${token}`)).status, 200);
    });
  });
}
