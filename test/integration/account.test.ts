import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrationProvider } from '../../src/cloud/store/migrations.ts';
import { dialectFor, openStore } from '../../src/cloud/store/store.ts';
import { snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { ApiClient, assertErrorBody } from '../helpers/http.ts';

const MINUTE = 60_000;
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const NEW_PASSWORD = 'a much longer new passphrase';

/** A second sign-in of the same person, from its own client (another browser). */
async function signInAgain(url: string, email: string, password: string, userAgent = FIREFOX) {
  const client = new ApiClient(url);
  const answer = await client.post(
    '/api/auth/login',
    { email, password },
    { headers: { 'user-agent': userAgent } },
  );
  assert.equal(answer.status, 200, answer.text);
  return client;
}

for (const dialect of testDialects) {
  describe(`the account: name and password (${dialect.name})`, () => {
    it('changes the name, and refuses an empty or oversized one without changing it', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const renamed = await anna.client.patch('/api/me', { name: '  Anna Novak ' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.user.name, 'Anna Novak');
      assert.equal((await anna.client.get('/api/me')).body.user.name, 'Anna Novak');

      const before = await snapshotTables(cloud);
      for (const body of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 7 }, {}]) {
        assertErrorBody(await anna.client.patch('/api/me', body), 400, 'VALIDATION_FAILED');
      }
      assertErrorBody(
        await anna.client.patch('/api/me', { name: 'Forged' }, { csrf: false }),
        403,
        'CSRF_TOKEN_INVALID',
      );
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
    });

    it('changes the password: ends the other sessions, keeps this one', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const laptop = await signInAgain(cloud.url, anna.email, anna.password);
      const ben = await registerAccount(cloud);

      const changed = await anna.client.post('/api/me/password', {
        currentPassword: anna.password,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(changed.status, 204, changed.text);
      assert.equal((await anna.client.get('/api/me')).status, 200, 'this session stays');
      assertErrorBody(await laptop.get('/api/me'), 401, 'UNAUTHENTICATED');
      assert.equal((await ben.client.get('/api/me')).status, 200, "another person's stays");

      const old = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: anna.password,
      });
      assertErrorBody(old, 401, 'INVALID_CREDENTIALS');
      const fresh = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: NEW_PASSWORD,
      });
      assert.equal(fresh.status, 200, fresh.text);
      const users = await cloud.store.db.selectFrom('users').selectAll().execute();
      assert.ok(!JSON.stringify(users).includes(NEW_PASSWORD), 'only a hash is stored');
    });

    it('refuses a wrong current password, a weak or oversized new one, and changes nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const laptop = await signInAgain(cloud.url, anna.email, anna.password);
      const before = await snapshotTables(cloud);

      const wrong = await anna.client.post('/api/me/password', {
        currentPassword: 'not my password',
        newPassword: NEW_PASSWORD,
      });
      assertErrorBody(wrong, 403, 'CURRENT_PASSWORD_WRONG');
      const weak = await anna.client.post('/api/me/password', {
        currentPassword: anna.password,
        newPassword: 'short',
      });
      assertErrorBody(weak, 400, 'PASSWORD_TOO_WEAK');
      for (const body of [
        { currentPassword: anna.password, newPassword: 'x'.repeat(257) },
        { currentPassword: 'x'.repeat(257), newPassword: NEW_PASSWORD },
        { newPassword: NEW_PASSWORD },
        { currentPassword: anna.password, newPassword: NEW_PASSWORD, extra: 1 },
      ]) {
        assertErrorBody(await anna.client.post('/api/me/password', body), 400, 'VALIDATION_FAILED');
      }
      const forged = await anna.client.post(
        '/api/me/password',
        { currentPassword: anna.password, newPassword: NEW_PASSWORD },
        { csrf: false },
      );
      assertErrorBody(forged, 403, 'CSRF_TOKEN_INVALID');
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      assert.equal((await laptop.get('/api/me')).status, 200, 'the other session still works');
    });

    it('throttles guesses of the current password like sign-ins', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const answer = await anna.client.post('/api/me/password', {
          currentPassword: `guess number ${i}`,
          newPassword: NEW_PASSWORD,
        });
        statuses.push(answer.status);
      }
      // Five per account and address (login-throttle.service.ts perPair), then 429.
      assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429, 429, 429]);
      const right = await anna.client.post('/api/me/password', {
        currentPassword: anna.password,
        newPassword: NEW_PASSWORD,
      });
      assertErrorBody(right, 429, 'TOO_MANY_LOGIN_ATTEMPTS');
      const login = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: anna.password,
      });
      assert.equal(login.status, 429, 'the same counter as sign-in');
    });
  });

  describe(`the account: sessions (${dialect.name})`, () => {
    it('lists the sessions with browser, address, created and last used, and never a secret', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const laptop = await signInAgain(cloud.url, anna.email, anna.password);
      const listed = await anna.client.get('/api/sessions');
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.items.length, 2);
      assert.equal(listed.body.nextCursor, null);
      const current = listed.body.items.filter((s: { current: boolean }) => s.current);
      assert.equal(current.length, 1);
      const other = listed.body.items.find((s: { current: boolean }) => !s.current);
      assert.equal(other.browser, 'Firefox 128 on Linux');
      assert.equal(other.userAgent, FIREFOX);
      assert.equal(other.address, '127.0.0.1');
      assert.ok(Date.parse(other.createdAt) > 0 && Date.parse(other.lastUsedAt) > 0);
      assert.deepEqual(Object.keys(other).sort(), [
        'address',
        'browser',
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'lastUsedAt',
        'userAgent',
      ]);
      const rows = await cloud.store.db.selectFrom('sessions').selectAll().execute();
      for (const secret of [
        anna.client.session!,
        laptop.session!,
        ...rows.map((r) => r.token_hash),
      ]) {
        assert.ok(!listed.text.includes(secret), 'no session token or hash in the list');
      }
      // The laptop sees itself as the current one.
      const fromLaptop = await laptop.get('/api/sessions');
      assert.equal(fromLaptop.body.items.find((s: { current: boolean }) => s.current).id, other.id);
    });

    it('ends one session; another person’s session id is 404 and ends nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const laptop = await signInAgain(cloud.url, anna.email, anna.password);
      const ben = await registerAccount(cloud);
      const bensId = (await ben.client.get('/api/sessions')).body.items[0].id;

      const before = await snapshotTables(cloud);
      assertErrorBody(
        await anna.client.delete(`/api/sessions/${bensId}`),
        404,
        'SESSION_NOT_FOUND',
      );
      assertErrorBody(
        await anna.client.delete('/api/sessions/00000000-0000-4000-8000-000000000000'),
        404,
        'SESSION_NOT_FOUND',
      );
      // Longer than any id: no such route (Fastify's maxParamLength).
      assertErrorBody(
        await anna.client.delete(`/api/sessions/${'x'.repeat(101)}`),
        404,
        'NOT_FOUND',
      );
      const laptopId = (await laptop.get('/api/sessions')).body.items.find(
        (s: { current: boolean }) => s.current,
      ).id;
      assertErrorBody(
        await anna.client.delete(`/api/sessions/${laptopId}`, { csrf: false }),
        403,
        'CSRF_TOKEN_INVALID',
      );
      // Ben cannot end Anna's session either.
      assertErrorBody(
        await ben.client.delete(`/api/sessions/${laptopId}`),
        404,
        'SESSION_NOT_FOUND',
      );
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      assert.equal((await ben.client.get('/api/me')).status, 200);

      const ended = await anna.client.delete(`/api/sessions/${laptopId}`);
      assert.equal(ended.status, 204, ended.text);
      assertErrorBody(await laptop.get('/api/me'), 401, 'UNAUTHENTICATED');
      assert.equal((await anna.client.get('/api/me')).status, 200);
      assert.equal((await anna.client.get('/api/sessions')).body.items.length, 1);
      assertErrorBody(
        await anna.client.delete(`/api/sessions/${laptopId}`),
        404,
        'SESSION_NOT_FOUND',
      );
    });

    it('ends the current session by its id: that signs out', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const mine = (await anna.client.get('/api/sessions')).body.items[0].id;
      const ended = await anna.client.delete(`/api/sessions/${mine}`);
      assert.equal(ended.status, 204, ended.text);
      assert.equal(anna.client.session, undefined, 'the cookie is cleared');
      assert.equal((await cloud.store.db.selectFrom('sessions').selectAll().execute()).length, 0);
    });

    it('records the last use at most once a minute', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const anna = await registerAccount(cloud);
      const lastUse = async () =>
        (
          await cloud.store.db
            .selectFrom('sessions')
            .select('last_used_at')
            .executeTakeFirstOrThrow()
        ).last_used_at;
      const first = await lastUse();
      clock.advance(30_000);
      for (let i = 0; i < 5; i++) assert.equal((await anna.client.get('/api/sites')).status, 200);
      assert.equal(await lastUse(), first, 'no write within the minute');
      clock.advance(MINUTE);
      await anna.client.get('/api/sites');
      const later = await lastUse();
      assert.ok(later! > first!, 'written again after a minute');
      const listed = await anna.client.get('/api/sessions');
      assert.equal(listed.body.items[0].lastUsedAt, later);
    });
  });
}

for (const dialect of testDialects) {
  describe(`migration 0009 on a database of before (${dialect.name})`, () => {
    it('keeps sessions and tokens working: a random session id, scope manage, the first company', async (t) => {
      const database = await dialect.create();
      t.after(() => database.drop());
      const options = { dataDir: database.dataDir, databaseUrl: database.databaseUrl };
      const old = dialectFor(options).createKysely();
      const migrator = new Migrator({ db: old, provider: migrationProvider(dialectFor(options)) });
      const migrated = await migrator.migrateTo('0007_claims_per_serial_notice');
      assert.equal(migrated.error, undefined);
      const now = new Date().toISOString();
      const later = new Date(Date.now() + 3_600_000).toISOString();
      await sql`insert into users (id, email, name, password_hash, created_at)
        values ('u1', 'old@example.com', 'Old', 'x', ${now})`.execute(old);
      await sql`insert into companies (id, name, created_at) values ('c1', 'First', ${now})`.execute(
        old,
      );
      await sql`insert into memberships (user_id, company_id, role, created_at)
        values ('u1', 'c1', 'admin', ${now})`.execute(old);
      for (const hash of ['h1', 'h2']) {
        await sql`insert into sessions (token_hash, user_id, created_at, expires_at)
          values (${hash}, 'u1', ${now}, ${later})`.execute(old);
      }
      await sql`insert into api_tokens (id, token_hash, user_id, name, created_at, last_used_at)
        values ('t1', 'th1', 'u1', 'old script', ${now}, null)`.execute(old);
      await old.destroy();

      const store = await openStore(options);
      t.after(() => store.close());
      const sessions = await store.db.selectFrom('sessions').selectAll().execute();
      assert.equal(sessions.length, 2);
      const ids = sessions.map((s) => s.id);
      for (const id of ids) assert.match(id, /^[0-9a-f-]{36}$/);
      assert.notEqual(ids[0], ids[1]);
      const token = await store.db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
      assert.equal(token.scope, 'manage');
      assert.equal(token.company_id, 'c1');
      assert.equal(token.expires_at, null);
    });
  });
}
