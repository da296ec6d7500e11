import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCloud } from '../../src/cloud/cloud.ts';
import { startTestCloud, TestClock } from '../helpers/cloud.ts';
import { postgresTestDialect, testDialects } from '../helpers/databases.ts';
import { registerAccount, uniqueEmail } from '../helpers/factories.ts';
import { ApiClient, assertErrorBody, type ApiResponse } from '../helpers/http.ts';

const MINUTE = 60_000;

/** A sign-in as it arrives through the reverse proxy from `address`. */
function loginFrom(client: ApiClient, email: string, password: string, address: string) {
  return client.post(
    '/api/auth/login',
    { email, password },
    { headers: { 'x-forwarded-for': address } },
  );
}

function assertThrottled(response: ApiResponse, code: string, maxSeconds: number): void {
  assertErrorBody(response, 429, code);
  const wait = Number(response.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= maxSeconds, `Retry-After ${wait} within 1..${maxSeconds}`);
  assert.match(response.body.error.hints.join(' '), /Retry-After/);
}

for (const dialect of testDialects) {
  describe(`brute-force protection of sign-in (${dialect.name})`, () => {
    it('answers 429 with Retry-After after 10 wrong passwords from one address, for 15 minutes', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock, trustProxy: true });
      const victim = await registerAccount(cloud);
      const stranger = new ApiClient(cloud.url);
      const statuses: number[] = [];
      let firstRefusal: ApiResponse | undefined;
      for (let i = 0; i < 200; i++) {
        // Spread over two accounts, one of them unknown: the per-address limit counts both.
        const email = i % 2 === 0 ? victim.email : 'nobody@example.com';
        const answer = await loginFrom(stranger, email, `wrong password ${i}`, '203.0.113.9');
        statuses.push(answer.status);
        if (answer.status === 429) firstRefusal ??= answer;
      }
      const before = statuses.indexOf(429);
      t.diagnostic(`401 answers before the first 429: ${before}`);
      assert.equal(before, 10);
      assert.deepEqual(new Set(statuses.slice(0, before)), new Set([401]));
      assert.deepEqual(new Set(statuses.slice(before)), new Set([429]));
      assertThrottled(firstRefusal!, 'TOO_MANY_LOGIN_ATTEMPTS', 15 * 60);
      // Even the right password is refused from that address until the window has passed.
      assertThrottled(
        await loginFrom(stranger, victim.email, victim.password, '203.0.113.9'),
        'TOO_MANY_LOGIN_ATTEMPTS',
        15 * 60,
      );
      clock.advance(15 * MINUTE);
      const later = await loginFrom(stranger, victim.email, victim.password, '203.0.113.9');
      assert.equal(later.status, 200, later.text);
    });

    it('limits one account and address pair to 5 wrong passwords, and the right one clears them', async (t) => {
      const cloud = await startTestCloud(t, dialect, { clock: new TestClock(), trustProxy: true });
      const owner = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      for (let i = 0; i < 4; i++) {
        assertErrorBody(
          await loginFrom(client, owner.email, 'typo', '198.51.100.1'),
          401,
          'INVALID_CREDENTIALS',
        );
      }
      // The owner finds the password: the pair starts again from zero.
      const ok = await loginFrom(client, owner.email, owner.password, '198.51.100.1');
      assert.equal(ok.status, 200, ok.text);
      for (let i = 0; i < 5; i++) {
        assertErrorBody(
          await loginFrom(client, owner.email, 'typo', '198.51.100.1'),
          401,
          'INVALID_CREDENTIALS',
        );
      }
      assertThrottled(
        await loginFrom(client, owner.email, owner.password, '198.51.100.1'),
        'TOO_MANY_LOGIN_ATTEMPTS',
        15 * 60,
      );
    });

    it('stops guessing one account from many addresses, while its owner still signs in from their own', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock, trustProxy: true });
      const owner = await registerAccount(cloud);
      const stranger = new ApiClient(cloud.url);
      // 100 addresses, 3 guesses each: below both the per-address and the per-pair limit.
      const statuses: number[] = [];
      for (let a = 0; a < 100; a++) {
        for (let g = 0; g < 3; g++) {
          const address = `198.51.100.${a + 1}`;
          const answer = await loginFrom(stranger, owner.email, `guess ${a}/${g}`, address);
          statuses.push(answer.status);
          // The owner, from an address that never failed, is let in during the attack.
          if (a === 50 && g === 0) {
            const during = await loginFrom(
              new ApiClient(cloud.url),
              owner.email,
              owner.password,
              '192.0.2.10',
            );
            assert.equal(during.status, 200, during.text);
          }
        }
      }
      const checked = statuses.filter((s) => s === 401).length;
      t.diagnostic(`guesses checked out of 300 from 100 addresses: ${checked}`);
      // 20 until the account's ceiling (reached at the 2nd guess of the 7th address), then one
      // more for each of the 93 addresses not seen before: 113, where 300 were tried.
      assert.equal(checked, 20 + 93);
      assert.equal(statuses.filter((s) => s === 429).length, 300 - 113);
      // An address that already failed on the account waits, even with the right password.
      assertThrottled(
        await loginFrom(stranger, owner.email, owner.password, '198.51.100.1'),
        'TOO_MANY_LOGIN_ATTEMPTS',
        15 * 60,
      );
      // After the attack, the owner signs in from their own address again.
      const after = await loginFrom(
        new ApiClient(cloud.url),
        owner.email,
        owner.password,
        '192.0.2.10',
      );
      assert.equal(after.status, 200, after.text);
      clock.advance(15 * MINUTE);
      const later = await loginFrom(stranger, owner.email, owner.password, '198.51.100.1');
      assert.equal(later.status, 200, later.text);
    });

    it('answers an unknown e-mail address exactly as a known one, throttled or not', async (t) => {
      const cloud = await startTestCloud(t, dialect, { clock: new TestClock(), trustProxy: true });
      const known = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      const shape = (r: ApiResponse) => ({
        status: r.status,
        code: r.body.error.code,
        message: r.body.error.message,
        retryAfter: r.headers.get('retry-after'),
      });
      const answers = { known: [] as object[], unknown: [] as object[] };
      for (let i = 0; i < 6; i++) {
        answers.known.push(shape(await loginFrom(client, known.email, 'wrong', '198.51.100.7')));
        answers.unknown.push(
          shape(await loginFrom(client, 'ghost@example.com', 'wrong', '198.51.100.8')),
        );
      }
      assert.deepEqual(answers.known, answers.unknown);
      assert.deepEqual(answers.known.at(-1), {
        status: 429,
        code: 'TOO_MANY_LOGIN_ATTEMPTS',
        message: 'Too many failed sign-ins. Try again later.',
        retryAfter: String(15 * 60),
      });
    });

    it('counts the addresses of one IPv6 /64 network as one address', async (t) => {
      const cloud = await startTestCloud(t, dialect, { clock: new TestClock(), trustProxy: true });
      const client = new ApiClient(cloud.url);
      for (let i = 0; i < 10; i++) {
        const answer = await loginFrom(client, uniqueEmail(), 'wrong', `2001:db8:1:2::${i + 1}`);
        assertErrorBody(answer, 401, 'INVALID_CREDENTIALS');
      }
      assertThrottled(
        await loginFrom(client, uniqueEmail(), 'wrong', '2001:db8:1:2:ffff::1'),
        'TOO_MANY_LOGIN_ATTEMPTS',
        15 * 60,
      );
      // The next network is someone else.
      assertErrorBody(
        await loginFrom(client, uniqueEmail(), 'wrong', '2001:db8:1:3::1'),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    it('counts parallel guesses one after the other: no more than the limit get through', async (t) => {
      const cloud = await startTestCloud(t, dialect, { trustProxy: true });
      const owner = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          loginFrom(client, i % 2 ? owner.email : uniqueEmail(), 'wrong', '203.0.113.30'),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      assert.equal(statuses.filter((s) => s === 401).length, 10);
      assert.equal(statuses.filter((s) => s === 429).length, 20);
    });

    it('limits registrations from one address to 30 an hour, with Retry-After', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock, trustProxy: true });
      const client = new ApiClient(cloud.url);
      const register = (address: string, password = 'correct horse battery staple') =>
        client.post(
          '/api/auth/register',
          { email: uniqueEmail('flood'), password, name: 'Flood' },
          { headers: { 'x-forwarded-for': address } },
        );
      // A password refused as too weak is bad input: it is not counted.
      assertErrorBody(await register('203.0.113.50', 'password'), 400, 'PASSWORD_TOO_WEAK');
      for (let i = 0; i < 30; i++) {
        const answer = await register('203.0.113.50');
        assert.equal(answer.status, 201, answer.text);
      }
      const users = async () =>
        (await cloud.store.db.selectFrom('users').select('id').execute()).length;
      assert.equal(await users(), 30);
      assertThrottled(await register('203.0.113.50'), 'TOO_MANY_REGISTRATIONS', 60 * 60);
      assert.equal(await users(), 30, 'the refused registration created nothing');
      // Another address is not affected; an hour later the first may register again.
      assert.equal((await register('203.0.113.51')).status, 201);
      clock.advance(60 * MINUTE);
      assert.equal((await register('203.0.113.50')).status, 201);
    });

    it('takes its limits from the options', async (t) => {
      const cloud = await startTestCloud(t, dialect, {
        trustProxy: true,
        loginLimits: {
          perAddress: { max: 2, windowMs: MINUTE },
          registrationsPerAddress: { max: 1, windowMs: MINUTE },
        },
      });
      const client = new ApiClient(cloud.url);
      for (let i = 0; i < 2; i++) {
        assert.equal((await loginFrom(client, uniqueEmail(), 'wrong', '203.0.113.60')).status, 401);
      }
      assertThrottled(
        await loginFrom(client, uniqueEmail(), 'wrong', '203.0.113.60'),
        'TOO_MANY_LOGIN_ATTEMPTS',
        60,
      );
      await registerAccount(cloud);
      assertErrorBody(
        await new ApiClient(cloud.url).post('/api/auth/register', {
          email: uniqueEmail(),
          password: 'correct horse battery staple',
          name: 'Second',
        }),
        429,
        'TOO_MANY_REGISTRATIONS',
      );
    });
  });
}

describe('brute-force protection across cloud nodes (postgres)', () => {
  it('shares the counts of two nodes on one database', async (t) => {
    const a = await startTestCloud(t, postgresTestDialect, { trustProxy: true });
    const b = await startCloud({
      dataDir: a.database.dataDir,
      databaseUrl: a.database.databaseUrl,
      port: 0,
      host: '127.0.0.1',
      trustProxy: true,
    });
    try {
      const owner = await registerAccount(a);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const node = new ApiClient(i % 2 === 0 ? a.url : b.url);
        statuses.push((await loginFrom(node, owner.email, 'wrong', '203.0.113.70')).status);
      }
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.deepEqual(new Set(statuses.slice(5)), new Set([429]));
    } finally {
      // Before the first node's cleanup drops the database.
      await b.close();
    }
  });
});
