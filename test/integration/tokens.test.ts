import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  mintDevices,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { ApiClient, assertErrorBody } from '../helpers/http.ts';
import { waitFor } from '../helpers/wait.ts';

const HOUR = 3_600_000;

async function makeToken(
  person: Account,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const created = await person.client.post('/api/tokens', body, { headers });
  assert.equal(created.status, 201, created.text);
  return created.body as { id: string; token: string; scope: string; companyId: string };
}

for (const dialect of testDialects) {
  describe(`API tokens (${dialect.name})`, () => {
    it('shows the secret once, lists tokens without it and stores only a hash', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const read = await makeToken(anna, { name: 'monitoring', scope: 'read' });
      const manage = await makeToken(anna, { name: 'deploy', scope: 'manage' });
      for (const token of [read, manage]) {
        // 256 random bits, base64url, after the lk_ prefix.
        assert.match(token.token, /^lk_[A-Za-z0-9_-]{43}$/);
        assert.equal(token.companyId, anna.company.id);
      }
      const listed = await anna.client.get('/api/tokens');
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(
        listed.body.items.map((i: { name: string; scope: string }) => [i.name, i.scope]).sort(),
        [
          ['deploy', 'manage'],
          ['monitoring', 'read'],
        ],
      );
      const item = listed.body.items[0];
      assert.deepEqual(Object.keys(item).sort(), [
        'companyId',
        'companyName',
        'createdAt',
        'expired',
        'expiresAt',
        'id',
        'lastUsedAt',
        'name',
        'scope',
      ]);
      assert.equal(item.companyName, anna.company.name);
      assert.equal(item.lastUsedAt, null);
      const rows = await cloud.store.db.selectFrom('api_tokens').selectAll().execute();
      for (const token of [read, manage]) {
        assert.ok(!listed.text.includes(token.token), 'never shown again');
        assert.ok(!JSON.stringify(rows).includes(token.token), 'never stored');
      }
      for (const row of rows) assert.ok(!listed.text.includes(row.token_hash), 'nor its hash');
    });

    it('lets a read token read and refuses its writes with 403 TOKEN_READ_ONLY, changing nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const site = await createSite(anna.client);
      const { token } = await makeToken(anna, { name: 'monitoring', scope: 'read' });
      const script = new ApiClient(cloud.url, { bearer: token });
      assert.equal((await script.get('/api/sites')).status, 200);
      assert.equal((await script.get(`/api/sites/${site.id}/devices`)).status, 200);
      assert.equal((await script.request('HEAD', '/api/sites')).status, 200);
      const before = await snapshotTables(cloud);
      for (const attempt of [
        () => script.post('/api/sites', { name: 'From a read token' }),
        () => script.patch(`/api/sites/${site.id}`, { name: 'Renamed' }),
        () => script.delete(`/api/sites/${site.id}/devices/54-0562-0293`),
        () =>
          script.post(`/api/sites/${site.id}/devices`, { serialNumber: 'x', securityCode: 'y' }),
        () => script.post('/api/notifications/read', {}),
        () => script.post('/api/auth/logout'),
      ]) {
        assertErrorBody(await attempt(), 403, 'TOKEN_READ_ONLY');
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
    });

    it('lets a manage token write without CSRF, for what the person may do', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const { token } = await makeToken(anna, { name: 'deploy', scope: 'manage' });
      const script = new ApiClient(cloud.url, { bearer: token });
      const site = await script.post('/api/sites', { name: 'From a script' });
      assert.equal(site.status, 201, site.text);
      assert.equal(site.body.companyId, anna.company.id);
      // Signing out means nothing to a token: 204, and the token keeps working.
      assert.equal((await script.post('/api/auth/logout')).status, 204);
      assert.equal((await script.get('/api/sites')).status, 200);
    });

    it('refuses a revoked token with 401; another person’s token id is 404 and revokes nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const ben = await registerAccount(cloud);
      const annas = await makeToken(anna, { name: 'a', scope: 'read' });
      const bens = await makeToken(ben, { name: 'b', scope: 'read' });
      const before = await snapshotTables(cloud);
      assertErrorBody(await anna.client.delete(`/api/tokens/${bens.id}`), 404, 'TOKEN_NOT_FOUND');
      assertErrorBody(
        await anna.client.delete('/api/tokens/00000000-0000-4000-8000-000000000000'),
        404,
        'TOKEN_NOT_FOUND',
      );
      // Longer than any id: no such route (Fastify's maxParamLength).
      assertErrorBody(await anna.client.delete(`/api/tokens/${'x'.repeat(101)}`), 404, 'NOT_FOUND');
      assertErrorBody(
        await anna.client.delete(`/api/tokens/${annas.id}`, { csrf: false }),
        403,
        'CSRF_TOKEN_INVALID',
      );
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      assert.equal(
        (await new ApiClient(cloud.url, { bearer: bens.token }).get('/api/sites')).status,
        200,
      );
      assert.equal(
        (await ben.client.get('/api/tokens')).body.items.length,
        1,
        "Ben's token is not listed for Anna, and is still there",
      );
      assert.equal((await anna.client.get('/api/tokens')).body.items.length, 1);

      const revoked = await anna.client.delete(`/api/tokens/${annas.id}`);
      assert.equal(revoked.status, 204, revoked.text);
      assertErrorBody(
        await new ApiClient(cloud.url, { bearer: annas.token }).get('/api/sites'),
        401,
        'UNAUTHENTICATED',
      );
      assertErrorBody(await anna.client.delete(`/api/tokens/${annas.id}`), 404, 'TOKEN_NOT_FOUND');
      assert.deepEqual((await anna.client.get('/api/tokens')).body.items, []);
    });

    it('refuses an expired token with 401, and an expiry in the past or not a date with 400', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const anna = await registerAccount(cloud);
      const expiresAt = new Date(clock.now().getTime() + HOUR).toISOString();
      const { token } = await makeToken(anna, { name: 'short', scope: 'read', expiresAt });
      const script = new ApiClient(cloud.url, { bearer: token });
      assert.equal((await script.get('/api/sites')).status, 200);
      clock.advance(2 * HOUR);
      assertErrorBody(await script.get('/api/sites'), 401, 'UNAUTHENTICATED');
      const listed = await anna.client.get('/api/tokens');
      assert.equal(listed.body.items[0].expired, true);
      assert.equal(listed.body.items[0].expiresAt, expiresAt);

      const before = await snapshotTables(cloud);
      for (const bad of [
        new Date(clock.now().getTime() - 1000).toISOString(),
        'next tuesday',
        'x'.repeat(41),
      ]) {
        const refused = await anna.client.post('/api/tokens', { name: 'x', expiresAt: bad });
        assertErrorBody(refused, 400, 'VALIDATION_FAILED');
      }
      for (const body of [
        { name: 'x', scope: 'admin' },
        { name: 'x'.repeat(101) },
        { name: 'x', extra: true },
      ]) {
        assertErrorBody(await anna.client.post('/api/tokens', body), 400, 'VALIDATION_FAILED');
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
    });

    it('cannot manage tokens or sessions, nor change the password or the name', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const { id, token } = await makeToken(anna, { name: 'deploy', scope: 'manage' });
      const sessionId = (await anna.client.get('/api/sessions')).body.items[0].id;
      const script = new ApiClient(cloud.url, { bearer: token });
      assert.equal((await script.get('/api/me')).status, 200, 'its first use is recorded');
      const before = await snapshotTables(cloud);
      for (const attempt of [
        () => script.get('/api/tokens'),
        () => script.post('/api/tokens', { name: 'another', scope: 'manage' }),
        () => script.delete(`/api/tokens/${id}`),
        () => script.get('/api/sessions'),
        () => script.delete(`/api/sessions/${sessionId}`),
        () =>
          script.post('/api/me/password', {
            currentPassword: anna.password,
            newPassword: 'a much longer new passphrase',
          }),
        () => script.patch('/api/me', { name: 'Renamed by a script' }),
      ]) {
        assertErrorBody(await attempt(), 403, 'SESSION_REQUIRED');
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      // A read token is refused the writes before that.
      const reader = new ApiClient(cloud.url, {
        bearer: (await makeToken(anna, { name: 'r', scope: 'read' })).token,
      });
      assertErrorBody(await reader.get('/api/tokens'), 403, 'SESSION_REQUIRED');
    });

    it('is made for a company the person belongs to, and stops working when they leave it', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const ben = await registerAccount(cloud);
      const before = await snapshotTables(cloud);
      const foreign = await anna.client.post(
        '/api/tokens',
        { name: 'x' },
        { headers: { 'x-company-id': ben.company.id } },
      );
      assertErrorBody(foreign, 404, 'COMPANY_NOT_FOUND');
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      const own = await makeToken(anna, { name: 'x' }, { 'x-company-id': anna.company.id });
      assert.equal(own.companyId, anna.company.id);
      assert.equal(own.scope, 'manage', 'manage by default, as before issue 16');
      const script = new ApiClient(cloud.url, { bearer: own.token });
      assert.equal((await script.get('/api/sites')).status, 200);
      // Leaving the company (members management is another part of issue 16: here directly).
      await cloud.store.db.deleteFrom('memberships').where('user_id', '=', anna.user.id).execute();
      assertErrorBody(await script.get('/api/sites'), 401, 'UNAUTHENTICATED');
    });

    it('sees only the company it was made for, like a site that does not exist', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      // A second company of Anna's (joining one is another part of issue 16: here directly).
      const now = new Date().toISOString();
      await cloud.store.db
        .insertInto('companies')
        .values({ id: 'second-company', name: 'Second', created_at: now })
        .execute();
      await cloud.store.db
        .insertInto('memberships')
        .values({
          user_id: anna.user.id,
          company_id: 'second-company',
          role: 'admin',
          created_at: now,
        })
        .execute();
      const first = await createSite(anna.client, 'First site');
      const second = await anna.client.post('/api/sites', {
        name: 'Second site',
        companyId: 'second-company',
      });
      assert.equal(second.status, 201, second.text);
      const [device] = await mintDevices(cloud, 1);
      const { token } = await makeToken(
        anna,
        { name: 'first only' },
        { 'x-company-id': anna.company.id },
      );
      const script = new ApiClient(cloud.url, { bearer: token });

      assert.deepEqual(
        (await script.get('/api/sites')).body.items.map((s: { id: string }) => s.id),
        [first.id],
      );
      assert.equal((await script.get(`/api/sites/${first.id}`)).status, 200);
      const before = await snapshotTables(cloud);
      const other = second.body.id as string;
      for (const attempt of [
        () => script.get(`/api/sites/${other}`),
        () => script.patch(`/api/sites/${other}`, { name: 'Renamed' }),
        () => script.get(`/api/sites/${other}/devices`),
        () => script.get(`/api/sites/${other}/audit`),
        () =>
          script.post(`/api/sites/${other}/devices`, {
            serialNumber: device!.serialNumber,
            securityCode: device!.securityCode,
          }),
        () => script.delete(`/api/sites/${other}/devices/${device!.serialNumber}`),
      ]) {
        assertErrorBody(await attempt(), 404, 'SITE_NOT_FOUND');
      }
      const elsewhere = await script.post('/api/sites', { name: 'x', companyId: 'second-company' });
      assertErrorBody(elsewhere, 400, 'VALIDATION_FAILED');
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      const made = await script.post('/api/sites', { name: 'Made by the token' });
      assert.equal(made.body.companyId, anna.company.id);
      // The session sees both companies, one at a time (X-Company-Id; default: the first).
      assert.equal((await anna.client.get('/api/sites')).body.items.length, 2);
      const inSecond = await anna.client.get('/api/sites', {
        headers: { 'x-company-id': 'second-company' },
      });
      assert.deepEqual(
        inSecond.body.items.map((s: { id: string }) => s.id),
        [other],
      );

      // Notifications: only about the token's company, read marks only those.
      const note = (id: string, siteId: string) => ({
        id,
        user_id: anna.user.id,
        kind: 'test',
        title: id,
        body: id,
        site_id: siteId,
        serial_number: null,
        created_at: now,
        read_at: null,
      });
      await cloud.store.db
        .insertInto('notifications')
        .values([note('note-first', first.id), note('note-second', other)])
        .execute();
      const notes = await script.get('/api/notifications');
      assert.deepEqual(
        notes.body.items.map((n: { id: string }) => n.id),
        ['note-first'],
      );
      assert.equal(notes.body.unreadCount, 1);
      assert.equal((await script.post('/api/notifications/read', {})).status, 204);
      // The session lists one company at a time too (issue 16): the second one's stays unread.
      const all = await anna.client.get('/api/notifications', {
        headers: { 'x-company-id': 'second-company' },
      });
      assert.equal(all.body.unreadCount, 1, "the other company's stays unread");
      assert.equal(all.body.items.find((n: { id: string }) => n.id === 'note-second').readAt, null);
    });

    it('streams live updates of its own company only', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const now = new Date().toISOString();
      await cloud.store.db
        .insertInto('companies')
        .values({ id: 'second-company', name: 'Second', created_at: now })
        .execute();
      await cloud.store.db
        .insertInto('memberships')
        .values({
          user_id: anna.user.id,
          company_id: 'second-company',
          role: 'admin',
          created_at: now,
        })
        .execute();
      const first = await createSite(anna.client, 'First site');
      const second = (
        await anna.client.post('/api/sites', { name: 'Second site', companyId: 'second-company' })
      ).body as { id: string };
      const { token } = await makeToken(anna, { name: 'first only', scope: 'read' });
      const controller = new AbortController();
      t.after(() => controller.abort());
      const response = await fetch(`${cloud.url}/api/events`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      let text = '';
      void (async () => {
        try {
          for await (const chunk of response.body!) text += Buffer.from(chunk).toString();
        } catch {
          // Aborted.
        }
      })();
      const [a, b] = await mintDevices(cloud, 2);
      assert.equal(
        (await claim(anna.client, second.id, b!.serialNumber, b!.securityCode)).status,
        201,
      );
      assert.equal(
        (await claim(anna.client, first.id, a!.serialNumber, a!.securityCode)).status,
        201,
      );
      await waitFor("the first site's update", () => text.includes(a!.serialNumber));
      assert.ok(!text.includes(b!.serialNumber), "no update of the other company's device");
      assert.ok(!text.includes(second.id));
    });

    it('holds at most 100 tokens per person: the 101st is 409 and nothing is added', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const ben = await registerAccount(cloud);
      for (let i = 0; i < 100; i++) await makeToken(anna, { name: `t${i}`, scope: 'read' });
      const before = await snapshotTables(cloud);
      const refused = await anna.client.post('/api/tokens', { name: 'one more' });
      assertErrorBody(refused, 409, 'TOO_MANY_TOKENS');
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      // Per person: Ben is not affected, and revoking one makes room.
      await makeToken(ben, { name: 'bens' });
      const one = (await anna.client.get('/api/tokens')).body.items[0].id as string;
      assert.equal((await anna.client.delete(`/api/tokens/${one}`)).status, 204);
      await makeToken(anna, { name: 'after revoking one' });
    });

    it('counts wrong bearer tokens toward the sign-in limit of the address', async (t) => {
      const cloud = await startTestCloud(t, dialect, { trustProxy: true });
      const anna = await registerAccount(cloud);
      const { token } = await makeToken(anna, { name: 'x', scope: 'read' });
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const guesser = new ApiClient(cloud.url);
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) {
        const answer = await guesser.get('/api/sites', {
          headers: { ...from('203.0.113.7'), authorization: `Bearer lk_guess${i}` },
        });
        statuses.push(answer.status);
      }
      // Ten per address (login-throttle.service.ts perAddress), then 429.
      assert.deepEqual(statuses, [...Array(10).fill(401), ...Array(4).fill(429)]);
      const login = await guesser.post(
        '/api/auth/login',
        { email: anna.email, password: anna.password },
        { headers: from('203.0.113.7') },
      );
      assertErrorBody(login, 429, 'TOO_MANY_LOGIN_ATTEMPTS');
      // Another address is not affected, and a real token still works from the throttled one.
      const elsewhere = await guesser.post(
        '/api/auth/login',
        { email: anna.email, password: anna.password },
        { headers: from('198.51.100.4') },
      );
      assert.equal(elsewhere.status, 200, elsewhere.text);
      const real = await guesser.get('/api/sites', {
        headers: { ...from('203.0.113.7'), authorization: `Bearer ${token}` },
      });
      assert.equal(real.status, 200, real.text);
      // An oversized header is refused without a lookup.
      const huge = await new ApiClient(cloud.url).get('/api/sites', {
        headers: { ...from('198.51.100.9'), authorization: `Bearer lk_${'a'.repeat(5000)}` },
      });
      assertErrorBody(huge, 401, 'UNAUTHENTICATED');
    });

    it('records the last use to the minute', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const anna = await registerAccount(cloud);
      const { token } = await makeToken(anna, { name: 'x', scope: 'read' });
      const script = new ApiClient(cloud.url, { bearer: token });
      const lastUse = async () => (await anna.client.get('/api/tokens')).body.items[0].lastUsedAt;
      assert.equal(await lastUse(), null);
      await script.get('/api/sites');
      const first = await lastUse();
      assert.ok(first);
      clock.advance(30_000);
      await script.get('/api/sites');
      assert.equal(await lastUse(), first, 'no write within the minute');
      clock.advance(60_000);
      await script.get('/api/sites');
      assert.ok((await lastUse()) > first);
    });
  });
}
