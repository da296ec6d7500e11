import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countRows, snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  createSite,
  DEFAULT_PASSWORD,
  mintDevices,
  registerAccount,
  uniqueEmail,
} from '../helpers/factories.ts';
import { ApiClient, assertErrorBody } from '../helpers/http.ts';

for (const dialect of testDialects) {
  describe(`accounts, sessions, CSRF and tokens (${dialect.name})`, () => {
    it('registers an account with its company and signs it in', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const client = new ApiClient(cloud.url);
      const email = uniqueEmail('Anna');
      const response = await client.post('/api/auth/register', {
        email: `  ${email.toUpperCase()} `,
        password: DEFAULT_PASSWORD,
        name: ' Anna ',
      });
      assert.equal(response.status, 201, response.text);
      assert.deepEqual(Object.keys(response.body).sort(), ['company', 'csrfToken', 'user']);
      assert.equal(response.body.user.email, email.toLowerCase());
      assert.equal(response.body.user.name, 'Anna');
      assert.equal(response.body.company.role, 'admin');
      assert.doesNotMatch(response.text, /argon2|password/i);

      const setCookie = response.headers.getSetCookie().join('\n');
      assert.match(setCookie, /latchkey_session=/);
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Lax/i);
      assert.match(setCookie, /Path=\//);

      const me = await client.get('/api/me');
      assert.equal(me.status, 200, me.text);
      assert.equal(me.body.user.id, response.body.user.id);
      assert.equal(me.body.csrfToken, response.body.csrfToken);
      assert.deepEqual(me.body.companies, [response.body.company]);

      // Only a hash of the session token is stored.
      const sessions = await cloud.store.db.selectFrom('sessions').selectAll().execute();
      assert.equal(sessions.length, 1);
      assert.notEqual(sessions[0]!.token_hash, client.session);
      assert.ok(!JSON.stringify(sessions).includes(client.session!));
    });

    it('refuses a taken e-mail address, a weak password and a bad e-mail address', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const before = await snapshotTables(cloud);
      const client = new ApiClient(cloud.url);

      const taken = await client.post('/api/auth/register', {
        email: anna.email.toUpperCase(),
        password: DEFAULT_PASSWORD,
        name: 'Other Anna',
      });
      assertErrorBody(taken, 409, 'EMAIL_TAKEN');

      const email = uniqueEmail('weakling');
      for (const password of ['short', 'password123', 'aaaaaaaaaaaa', `${email.split('@')[0]}!!`]) {
        const weak = await client.post('/api/auth/register', { email, password, name: 'W' });
        assertErrorBody(weak, 400, 'PASSWORD_TOO_WEAK');
        assert.deepEqual(
          weak.body.error.fields.map((f: { field: string }) => f.field),
          ['password'],
        );
      }
      for (const bad of ['anna', 'anna@', '@example.com', 'anna@example', 'an na@example.com']) {
        const invalid = await client.post('/api/auth/register', {
          email: bad,
          password: DEFAULT_PASSWORD,
          name: 'A',
        });
        assertErrorBody(invalid, 400, 'VALIDATION_FAILED');
        assert.deepEqual(
          invalid.body.error.fields.map((f: { field: string }) => f.field),
          ['email'],
        );
      }
      assert.equal(client.session, undefined, 'no session for a refused registration');
      assert.deepEqual(await snapshotTables(cloud), before);
    });

    it('signs in with the right password and refuses a wrong one or an unknown address alike', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);

      const wrong = await client.post('/api/auth/login', {
        email: anna.email,
        password: 'not the password',
      });
      assertErrorBody(wrong, 401, 'INVALID_CREDENTIALS');
      const unknown = await client.post('/api/auth/login', {
        email: uniqueEmail('nobody'),
        password: DEFAULT_PASSWORD,
      });
      assertErrorBody(unknown, 401, 'INVALID_CREDENTIALS');
      assert.deepEqual(unknown.body, wrong.body, 'no hint whether the address exists');
      assert.equal(client.session, undefined);

      const ok = await client.post('/api/auth/login', {
        email: anna.email.toUpperCase(),
        password: DEFAULT_PASSWORD,
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.user.id, anna.user.id);
      assert.equal(typeof ok.body.csrfToken, 'string');
      assert.ok(client.session);
      assert.notEqual(client.session, anna.client.session, 'a new session');
      assert.equal((await client.get('/api/me')).body.user.email, anna.email);
      // Both sessions work.
      assert.equal((await anna.client.get('/api/me')).status, 200);
    });

    it('refuses cookie-authenticated changes without the right X-CSRF-Token', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const site = await createSite(anna.client, 'Lobby');
      const [device] = await mintDevices(cloud, 1);
      const other = await registerAccount(cloud);
      const before = await snapshotTables(cloud);

      const attempts = [
        () => anna.client.post('/api/sites', { name: 'Forged' }, { csrf: false }),
        () => anna.client.post('/api/sites', { name: 'Forged' }, { csrf: 'not-the-token' }),
        () => anna.client.post('/api/sites', { name: 'Forged' }, { csrf: other.client.csrfToken! }),
        () => anna.client.patch(`/api/sites/${site.id}`, { name: 'Forged' }, { csrf: false }),
        () =>
          anna.client.post(
            `/api/sites/${site.id}/devices`,
            { serialNumber: device!.serialNumber, securityCode: device!.securityCode },
            { csrf: false },
          ),
        () =>
          anna.client.delete(`/api/sites/${site.id}/devices/${device!.serialNumber}`, {
            csrf: '',
          }),
        () => anna.client.post('/api/tokens', { name: 'forged' }, { csrf: false }),
        () => anna.client.post('/api/notifications/read', {}, { csrf: false }),
        () => anna.client.post('/api/auth/logout', undefined, { csrf: false }),
      ];
      for (const attempt of attempts) {
        const refused = await attempt();
        assertErrorBody(refused, 403, 'CSRF_TOKEN_INVALID');
        assert.match(refused.body.error.cause, /X-CSRF-Token/);
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');

      // Reading needs no token; with the right one the change goes through.
      assert.equal((await anna.client.get('/api/sites', { csrf: false })).status, 200);
      assert.equal((await anna.client.post('/api/sites', { name: 'Real' })).status, 201);
    });

    it('lets API tokens work without cookies or CSRF headers, and only valid ones', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const created = await anna.client.post('/api/tokens', { name: 'deploy script' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.name, 'deploy script');
      assert.match(created.body.token, /^lk_/);

      const script = new ApiClient(cloud.url, { bearer: created.body.token });
      const site = await script.post('/api/sites', { name: 'From a script' });
      assert.equal(site.status, 201, site.text);
      const me = await script.get('/api/me');
      assert.equal(me.body.user.id, anna.user.id);
      assert.equal(me.body.csrfToken, null, 'no CSRF token without a session');
      const [device] = await mintDevices(cloud, 1);
      const added = await script.post(`/api/sites/${site.body.id}/devices`, {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
      });
      assert.equal(added.status, 201, added.text);

      // The token is stored as a hash only, and its use is recorded.
      const tokens = await cloud.store.db.selectFrom('api_tokens').selectAll().execute();
      assert.equal(tokens.length, 1);
      assert.ok(!JSON.stringify(tokens).includes(created.body.token));
      assert.notEqual(tokens[0]!.last_used_at, null);

      for (const header of [
        'Bearer lk_not-a-token',
        'Bearer',
        'Basic YWRtaW46Mm4=',
        `Token ${created.body.token}`,
      ]) {
        const refused = await new ApiClient(cloud.url).get('/api/sites', {
          headers: { authorization: header },
        });
        assertErrorBody(refused, 401, 'UNAUTHENTICATED');
      }
      // A bad token is not rescued by a good cookie.
      const mixed = await anna.client.get('/api/sites', {
        headers: { authorization: 'Bearer lk_wrong' },
      });
      assertErrorBody(mixed, 401, 'UNAUTHENTICATED');
    });

    it('asks to sign in on every protected route without credentials', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const client = new ApiClient(cloud.url);
      const site = '00000000-0000-4000-8000-000000000000';
      const routes: [string, string][] = [
        ['GET', '/api/me'],
        ['POST', '/api/auth/logout'],
        ['POST', '/api/tokens'],
        ['GET', '/api/tokens'],
        ['DELETE', `/api/tokens/${site}`],
        ['GET', '/api/sessions'],
        ['DELETE', `/api/sessions/${site}`],
        ['PATCH', '/api/me'],
        ['POST', '/api/me/password'],
        ['GET', '/api/me/two-factor'],
        ['POST', '/api/me/two-factor/setup'],
        ['POST', '/api/me/two-factor/enable'],
        ['POST', '/api/me/two-factor/disable'],
        ['POST', '/api/me/two-factor/recovery-codes'],
        ['GET', '/api/sites'],
        ['POST', '/api/sites'],
        ['GET', `/api/sites/${site}`],
        ['PATCH', `/api/sites/${site}`],
        ['GET', `/api/sites/${site}/devices`],
        ['POST', `/api/sites/${site}/devices`],
        ['POST', `/api/sites/${site}/devices/bulk`],
        ['GET', '/api/firmware'],
        ['POST', '/api/firmware'],
        ['DELETE', `/api/sites/${site}/devices/54-0562-0293`],
        ['POST', '/api/devices/54-0562-0293/move'],
        ['GET', '/api/devices'],
        ['GET', '/api/devices/54-0562-0293'],
        ['POST', '/api/transfers'],
        ['GET', '/api/transfers'],
        ['POST', `/api/transfers/${site}/accept`],
        ['POST', `/api/transfers/${site}/reject`],
        ['POST', `/api/transfers/${site}/cancel`],
        ['POST', '/api/transfer-requests'],
        ['GET', '/api/transfer-requests'],
        ['POST', `/api/transfer-requests/${site}/approve`],
        ['POST', `/api/transfer-requests/${site}/decline`],
        ['GET', `/api/sites/${site}/access-log`],
        ['POST', `/api/sites/${site}/devices/54-0562-0293/actions`],
        ['POST', '/api/rollouts'],
        ['GET', '/api/rollouts'],
        ['GET', '/api/rollouts/x'],
        ['POST', '/api/rollouts/x/cancel'],
        ['GET', '/api/webhooks'],
        ['POST', '/api/webhooks'],
        ['PATCH', '/api/webhooks/x'],
        ['DELETE', '/api/webhooks/x'],
        ['GET', '/api/webhooks/x/deliveries'],
        ['POST', '/api/webhooks/x/test'],
        ['POST', '/api/webhooks/x/deliveries/y/resend'],
        ['GET', `/api/sites/${site}/devices/54-0562-0293/backups`],
        ['POST', `/api/sites/${site}/devices/54-0562-0293/backups`],
        ['POST', `/api/sites/${site}/devices/54-0562-0293/backups/x/restore`],
        ['GET', `/api/sites/${site}/backup-settings`],
        ['PATCH', `/api/sites/${site}/backup-settings`],
        ['POST', `/api/sites/${site}/devices/54-0562-0293/remote`],
        ['PATCH', `/api/sites/${site}/devices/54-0562-0293`],
        ['POST', `/api/sites/${site}/devices/54-0562-0293/sync`],
        ['GET', '/api/notifications'],
        ['POST', '/api/notifications/read'],
        ['POST', '/api/notifications/x/read'],
        ['GET', '/api/me/notification-settings'],
        ['PUT', '/api/me/notification-settings'],
        ['GET', `/api/sites/${site}/audit`],
        ['GET', '/api/company'],
        ['PATCH', '/api/company'],
        ['GET', '/api/audit'],
        ['GET', '/api/company/members'],
        ['PATCH', `/api/company/members/${site}`],
        ['DELETE', `/api/company/members/${site}`],
        ['POST', '/api/company/invitations'],
        ['GET', '/api/company/invitations'],
        ['POST', `/api/company/invitations/${site}/resend`],
        ['DELETE', `/api/company/invitations/${site}`],
        ['GET', `/api/sites/${site}/apartments`],
        ['POST', `/api/sites/${site}/apartments`],
        ['PATCH', `/api/sites/${site}/apartments/${site}`],
        ['DELETE', `/api/sites/${site}/apartments/${site}`],
        ['GET', `/api/sites/${site}/residents`],
        ['POST', `/api/sites/${site}/residents`],
        ['PATCH', `/api/sites/${site}/residents/${site}`],
        ['DELETE', `/api/sites/${site}/residents/${site}`],
        ['POST', `/api/sites/${site}/residents/import`],
      ];
      for (const [method, path] of routes) {
        const answer = await client.request(method, path, method === 'GET' ? {} : { json: {} });
        assertErrorBody(answer, 401, 'UNAUTHENTICATED');
      }
      const forged = await client.get('/api/me', {
        headers: { cookie: 'latchkey_session=forged-session-token' },
      });
      assertErrorBody(forged, 401, 'UNAUTHENTICATED');
      assert.ok(Object.values(await countRows(cloud)).every((n) => n === 0));
    });

    it('ends the session at logout; the old cookie no longer works', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const laptop = new ApiClient(cloud.url);
      await laptop.post('/api/auth/login', { email: anna.email, password: anna.password });
      const stolen = anna.client.clone();

      const out = await anna.client.post('/api/auth/logout');
      assert.equal(out.status, 204, out.text);
      assert.match(out.headers.getSetCookie().join('\n'), /latchkey_session=;/);
      assert.equal(anna.client.session, undefined, 'the browser drops the cookie');

      const replay = await stolen.get('/api/me');
      assertErrorBody(replay, 401, 'UNAUTHENTICATED');
      assert.match(replay.body.error.cause, /expired or was closed/);
      const replayWrite = await stolen.post('/api/sites', { name: 'After logout' });
      assertErrorBody(replayWrite, 401, 'UNAUTHENTICATED');
      // The other session of the same person is not affected.
      assert.equal((await laptop.get('/api/me')).status, 200);
      const sessions = await cloud.store.db.selectFrom('sessions').selectAll().execute();
      assert.equal(sessions.length, 1);
    });

    it('expires a session after its lifetime', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock, sessionTtlMs: 30 * 60_000 });
      const anna = await registerAccount(cloud);
      clock.advance(30 * 60_000 - 1);
      assert.equal((await anna.client.get('/api/me')).status, 200);
      clock.advance(1);
      const expired = await anna.client.get('/api/me');
      assertErrorBody(expired, 401, 'UNAUTHENTICATED');
      assert.match(expired.body.error.cause, /expired/);
      const sessions = await cloud.store.db.selectFrom('sessions').selectAll().execute();
      assert.equal(sessions.length, 0, 'the expired session is removed');
      // Signing in again works.
      const again = await anna.client.post('/api/auth/login', {
        email: anna.email,
        password: anna.password,
      });
      assert.equal(again.status, 200, again.text);
      assert.equal((await anna.client.get('/api/me')).status, 200);
    });
  });
}
