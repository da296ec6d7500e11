import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { generate } from 'otplib';
import { snapshotTables, startTestCloud, TestClock, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount, type Account } from '../helpers/factories.ts';
import { ApiClient, assertErrorBody } from '../helpers/http.ts';

const STEP_MS = 30_000;
const MINUTE = 60_000;
/** Throttle limits high enough that only the challenge's own limit of 5 codes is in play. */
const ROOMY_LIMITS = {
  perPair: { max: 100, windowMs: 15 * MINUTE },
  perAddress: { max: 100, windowMs: 15 * MINUTE },
};

/** The code an authenticator app shows for `secret` at the cloud's clock, `steps` away. */
function codeAt(clock: TestClock, secret: string, steps = 0): Promise<string> {
  const epoch = Math.floor(clock.now().getTime() / 1000) + steps * 30;
  return generate({ secret, epoch });
}

/** Sets up and enables two-factor sign-in over HTTP, as the Account page does. */
async function enableTwoFactor(clock: TestClock, person: Account) {
  const setup = await person.client.post('/api/me/two-factor/setup');
  assert.equal(setup.status, 200, setup.text);
  const secret = setup.body.secret as string;
  const enabled = await person.client.post('/api/me/two-factor/enable', {
    code: await codeAt(clock, secret),
  });
  assert.equal(enabled.status, 200, enabled.text);
  return { secret, recoveryCodes: enabled.body.recoveryCodes as string[] };
}

/** The first step of a sign-in from a new browser: the challenge, and that no cookie came. */
async function firstStep(cloud: TestCloud, person: Account) {
  const browser = new ApiClient(cloud.url);
  const answer = await browser.post('/api/auth/login', {
    email: person.email,
    password: person.password,
  });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(Object.keys(answer.body).sort(), ['challenge', 'twoFactorRequired']);
  assert.equal(answer.body.twoFactorRequired, true);
  assert.deepEqual(answer.headers.getSetCookie(), [], 'no session cookie before the code');
  assert.equal(browser.session, undefined);
  return { browser, challenge: answer.body.challenge as string };
}

const secondStep = (browser: ApiClient, challenge: string, code: string) =>
  browser.post('/api/auth/login/two-factor', { challenge, code });

async function startWithClock(
  t: Parameters<typeof startTestCloud>[0],
  dialect: (typeof testDialects)[number],
  options = {},
) {
  const clock = new TestClock(Date.now());
  const cloud = await startTestCloud(t, dialect, { clock, ...options });
  return { clock, cloud };
}

for (const dialect of testDialects) {
  describe(`two-factor sign-in (${dialect.name})`, () => {
    it('sets up with a QR code, enables with a code, then signing in needs the second step', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      assert.deepEqual((await anna.client.get('/api/me/two-factor')).body, {
        enabled: false,
        recoveryCodesLeft: 0,
      });
      assert.equal(await cloud.services.twoFactor.hasTwoFactor(anna.user.id), false);

      const setup = await anna.client.post('/api/me/two-factor/setup');
      assert.equal(setup.status, 200, setup.text);
      const { secret, otpauthUrl, qrSvg } = setup.body;
      assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits in Base32');
      const url = new URL(otpauthUrl);
      assert.equal(url.protocol, 'otpauth:');
      assert.equal(url.host, 'totp');
      assert.equal(decodeURIComponent(url.pathname), `/Latchkey:${anna.email}`);
      assert.equal(url.searchParams.get('secret'), secret);
      assert.equal(url.searchParams.get('issuer'), 'Latchkey');
      assert.match(qrSvg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.doesNotMatch(qrSvg, /<script|on\w+=/i);

      // A restarted setup has a new secret; the old one no longer confirms it.
      const again = await anna.client.post('/api/me/two-factor/setup');
      assert.notEqual(again.body.secret, secret);
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/enable', { code: await codeAt(clock, secret) }),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      for (const code of ['000000', 'abc', '']) {
        assertErrorBody(
          await anna.client.post('/api/me/two-factor/enable', { code }),
          401,
          'TWO_FACTOR_CODE_WRONG',
        );
      }
      assert.equal((await anna.client.get('/api/me/two-factor')).body.enabled, false);
      // Login stays one step while the setup is pending.
      const pending = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: anna.password,
      });
      assert.deepEqual(Object.keys(pending.body).sort(), ['csrfToken', 'user']);

      const enabled = await anna.client.post('/api/me/two-factor/enable', {
        code: await codeAt(clock, again.body.secret),
      });
      assert.equal(enabled.status, 200, enabled.text);
      const codes = enabled.body.recoveryCodes as string[];
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes)
        assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/);
      assert.deepEqual((await anna.client.get('/api/me/two-factor')).body, {
        enabled: true,
        recoveryCodesLeft: 10,
      });
      assert.equal(await cloud.services.twoFactor.hasTwoFactor(anna.user.id), true);
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/enable', {
          code: await codeAt(clock, again.body.secret, 1),
        }),
        409,
        'TWO_FACTOR_ALREADY_ENABLED',
      );
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/setup'),
        409,
        'TWO_FACTOR_ALREADY_ENABLED',
      );

      // The password alone gives no session.
      const { browser, challenge } = await firstStep(cloud, anna);
      assertErrorBody(await browser.get('/api/me'), 401, 'UNAUTHENTICATED');
      // The code that confirmed the setup is used up; the next one signs in.
      assertErrorBody(
        await secondStep(browser, challenge, await codeAt(clock, again.body.secret)),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      clock.advance(STEP_MS);
      const done = await secondStep(browser, challenge, await codeAt(clock, again.body.secret));
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(Object.keys(done.body).sort(), ['csrfToken', 'user']);
      assert.equal(done.body.user.email, anna.email);
      assert.ok(browser.session, 'the second step sets the session cookie');
      const me = await browser.get('/api/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.user.id, anna.user.id);
      assert.equal((await browser.post('/api/sites', { name: 'Works' })).status, 201);
      // The challenge worked once.
      assertErrorBody(
        await secondStep(new ApiClient(cloud.url), challenge, await codeAt(clock, secret, 1)),
        401,
        'TWO_FACTOR_CHALLENGE_INVALID',
      );
      // A person without two-factor sign-in signs in in one step, as before.
      const ben = await registerAccount(cloud);
      const plain = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: ben.email,
        password: ben.password,
      });
      assert.deepEqual(Object.keys(plain.body).sort(), ['csrfToken', 'user']);
    });

    it('refuses a replayed code, takes one step of drift either way, not two', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect, { loginLimits: ROOMY_LIMITS });
      const anna = await registerAccount(cloud);
      const { secret } = await enableTwoFactor(clock, anna);

      clock.advance(STEP_MS);
      const code = await codeAt(clock, secret);
      const first = await firstStep(cloud, anna);
      assert.equal((await secondStep(first.browser, first.challenge, code)).status, 200);
      // RFC 6238 §5.2: the same code (the same time step) is not accepted a second time.
      const replay = await firstStep(cloud, anna);
      assertErrorBody(
        await secondStep(replay.browser, replay.challenge, code),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );

      // The phone is a step behind: the code of the step before is accepted...
      clock.advance(3 * STEP_MS);
      const behind = await firstStep(cloud, anna);
      const late = await secondStep(
        behind.browser,
        behind.challenge,
        await codeAt(clock, secret, -1),
      );
      assert.equal(late.status, 200, late.text);
      // ...or a step ahead, and after that code, an older step is refused even within the window.
      const ahead = await firstStep(cloud, anna);
      const early = await secondStep(
        ahead.browser,
        ahead.challenge,
        await codeAt(clock, secret, 1),
      );
      assert.equal(early.status, 200, early.text);
      const older = await firstStep(cloud, anna);
      assertErrorBody(
        await secondStep(older.browser, older.challenge, await codeAt(clock, secret)),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      // Two steps away is refused, either way.
      clock.advance(5 * STEP_MS);
      for (const steps of [-2, 2]) {
        assertErrorBody(
          await secondStep(older.browser, older.challenge, await codeAt(clock, secret, steps)),
          401,
          'TWO_FACTOR_CODE_WRONG',
        );
      }
      assert.equal(
        (await secondStep(older.browser, older.challenge, await codeAt(clock, secret))).status,
        200,
      );
    });

    it('of two sign-ins with the same code at the same moment, one gets in', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect, { loginLimits: ROOMY_LIMITS });
      const anna = await registerAccount(cloud);
      const { secret, recoveryCodes } = await enableTwoFactor(clock, anna);
      clock.advance(STEP_MS);
      const code = await codeAt(clock, secret);
      const steps = await Promise.all([1, 2, 3, 4].map(() => firstStep(cloud, anna)));
      const answers = await Promise.all(steps.map((s) => secondStep(s.browser, s.challenge, code)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401, 401]);
      const losers = steps.filter((_, i) => answers[i]!.status === 401);
      const recovery = await Promise.all(
        losers.map((s) => secondStep(s.browser, s.challenge, recoveryCodes[0]!)),
      );
      assert.deepEqual(recovery.map((a) => a.status).sort(), [200, 401, 401]);
    });

    it('the challenge lasts 5 minutes, is bound to its person, and dies after 5 wrong codes', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect, { loginLimits: ROOMY_LIMITS });
      const anna = await registerAccount(cloud);
      const ben = await registerAccount(cloud);
      const annas = await enableTwoFactor(clock, anna);
      await enableTwoFactor(clock, ben);
      clock.advance(STEP_MS);

      // Expired: 5 minutes and a second later, even the right code does not sign in.
      const slow = await firstStep(cloud, anna);
      clock.advance(5 * MINUTE + 1000);
      assertErrorBody(
        await secondStep(slow.browser, slow.challenge, await codeAt(clock, annas.secret)),
        401,
        'TWO_FACTOR_CHALLENGE_INVALID',
      );
      assert.equal(slow.browser.session, undefined);

      // Forged challenges.
      for (const challenge of ['forged', 'A'.repeat(43)]) {
        assertErrorBody(
          await secondStep(slow.browser, challenge, await codeAt(clock, annas.secret)),
          401,
          'TWO_FACTOR_CHALLENGE_INVALID',
        );
      }

      // Ben's challenge with Anna's right code: the code is checked against Ben's secret.
      const bens = await firstStep(cloud, ben);
      assertErrorBody(
        await secondStep(bens.browser, bens.challenge, await codeAt(clock, annas.secret)),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      assertErrorBody(
        await secondStep(bens.browser, bens.challenge, annas.recoveryCodes[0]!),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      assert.equal((await anna.client.get('/api/me/two-factor')).body.recoveryCodesLeft, 10);

      // Five wrong codes, then the challenge is dead: the right code no longer signs in.
      const guessed = await firstStep(cloud, anna);
      const right = await codeAt(clock, annas.secret);
      const wrong = right === '123456' ? '654321' : '123456';
      for (let attempt = 1; attempt <= 5; attempt++) {
        assertErrorBody(
          await secondStep(guessed.browser, guessed.challenge, wrong),
          401,
          'TWO_FACTOR_CODE_WRONG',
        );
      }
      assertErrorBody(
        await secondStep(guessed.browser, guessed.challenge, right),
        401,
        'TWO_FACTOR_CHALLENGE_INVALID',
      );
      assert.equal(guessed.browser.session, undefined);
      const left = await cloud.store.db
        .selectFrom('two_factor_challenges')
        .selectAll()
        .where('user_id', '=', anna.user.id)
        .execute();
      assert.deepEqual(left, [], 'dead and expired challenges are gone');
      // The code was not used up by the dead challenge: a new sign-in takes it.
      const fresh = await firstStep(cloud, anna);
      assert.equal((await secondStep(fresh.browser, fresh.challenge, right)).status, 200);
    });

    it('counts wrong codes in the sign-in throttle; signing in again does not clear them', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      const { secret } = await enableTwoFactor(clock, anna);
      clock.advance(STEP_MS);
      const right = await codeAt(clock, secret);
      const wrong = right === '123456' ? '654321' : '123456';

      // The default limit is 5 failures per account and address in 15 minutes: a right
      // password counts until its code is right.
      const one = await firstStep(cloud, anna);
      for (let i = 0; i < 2; i++) {
        assertErrorBody(
          await secondStep(one.browser, one.challenge, wrong),
          401,
          'TWO_FACTOR_CODE_WRONG',
        );
      }
      const two = await firstStep(cloud, anna);
      assertErrorBody(
        await secondStep(two.browser, two.challenge, wrong),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      const limited = await secondStep(two.browser, two.challenge, right);
      assertErrorBody(limited, 429, 'TOO_MANY_LOGIN_ATTEMPTS');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assertErrorBody(
        await new ApiClient(cloud.url).post('/api/auth/login', {
          email: anna.email,
          password: anna.password,
        }),
        429,
        'TOO_MANY_LOGIN_ATTEMPTS',
      );
      // After the window, the right code signs in and clears the count.
      clock.advance(15 * MINUTE);
      const later = await firstStep(cloud, anna);
      const ok = await secondStep(later.browser, later.challenge, await codeAt(clock, secret));
      assert.equal(ok.status, 200, ok.text);
      const rows = await cloud.store.db
        .selectFrom('login_attempts')
        .selectAll()
        .where('account', '=', anna.email)
        .execute();
      assert.deepEqual(rows, [], 'the right code cleared the failures of the pair');
    });

    it('a recovery code signs in once, typed in any case with or without dashes', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      const { recoveryCodes } = await enableTwoFactor(clock, anna);
      const typed = recoveryCodes[3]!.replace(/-/g, ' ').toLowerCase();
      const first = await firstStep(cloud, anna);
      const done = await secondStep(first.browser, first.challenge, typed);
      assert.equal(done.status, 200, done.text);
      assert.deepEqual((await first.browser.get('/api/me/two-factor')).body, {
        enabled: true,
        recoveryCodesLeft: 9,
      });
      const again = await firstStep(cloud, anna);
      assertErrorBody(
        await secondStep(again.browser, again.challenge, recoveryCodes[3]!),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      assert.equal(
        (await secondStep(again.browser, again.challenge, recoveryCodes[4]!)).status,
        200,
      );
    });

    it('new recovery codes need a code, and void the old ones', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/recovery-codes', { code: '123456' }),
        409,
        'TWO_FACTOR_NOT_ENABLED',
      );
      const { secret, recoveryCodes } = await enableTwoFactor(clock, anna);
      clock.advance(STEP_MS);
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/recovery-codes', { code: '12345' }),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      const renewed = await anna.client.post('/api/me/two-factor/recovery-codes', {
        code: await codeAt(clock, secret),
      });
      assert.equal(renewed.status, 200, renewed.text);
      const fresh = renewed.body.recoveryCodes as string[];
      assert.equal(fresh.length, 10);
      assert.equal(fresh.filter((c) => recoveryCodes.includes(c)).length, 0);
      const old = await firstStep(cloud, anna);
      assertErrorBody(
        await secondStep(old.browser, old.challenge, recoveryCodes[0]!),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      assert.equal((await secondStep(old.browser, old.challenge, fresh[0]!)).status, 200);
    });

    it('turns off with the password and a code; then signing in is one step again', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/disable', {
          password: anna.password,
          code: '123456',
        }),
        409,
        'TWO_FACTOR_NOT_ENABLED',
      );
      const { secret } = await enableTwoFactor(clock, anna);
      clock.advance(STEP_MS);
      const pending = await firstStep(cloud, anna);
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/disable', {
          password: 'not the password at all',
          code: await codeAt(clock, secret),
        }),
        403,
        'CURRENT_PASSWORD_WRONG',
      );
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/disable', {
          password: anna.password,
          code: '000000',
        }),
        401,
        'TWO_FACTOR_CODE_WRONG',
      );
      assertErrorBody(
        await anna.client.post(
          '/api/me/two-factor/disable',
          { password: anna.password, code: await codeAt(clock, secret) },
          { csrf: false },
        ),
        403,
        'CSRF_TOKEN_INVALID',
      );
      assert.equal((await anna.client.get('/api/me/two-factor')).body.enabled, true);
      const off = await anna.client.post('/api/me/two-factor/disable', {
        password: anna.password,
        code: await codeAt(clock, secret),
      });
      assert.equal(off.status, 204, off.text);
      assert.deepEqual((await anna.client.get('/api/me/two-factor')).body, {
        enabled: false,
        recoveryCodesLeft: 0,
      });
      for (const table of ['two_factor', 'recovery_codes', 'two_factor_challenges'] as const) {
        const rows = await cloud.store.db
          .selectFrom(table)
          .selectAll()
          .where('user_id', '=', anna.user.id)
          .execute();
        assert.deepEqual(rows, [], `${table} has nothing of Anna's`);
      }
      // The challenge from before is gone with it.
      assertErrorBody(
        await secondStep(pending.browser, pending.challenge, await codeAt(clock, secret, 1)),
        401,
        'TWO_FACTOR_CHALLENGE_INVALID',
      );
      const plain = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: anna.password,
      });
      assert.equal(plain.status, 200);
      assert.deepEqual(Object.keys(plain.body).sort(), ['csrfToken', 'user']);
    });

    it('stores the secret sealed, and only hashes of recovery codes and challenges', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      const pending = await anna.client.post('/api/me/two-factor/setup');
      const row = await cloud.store.db
        .selectFrom('two_factor')
        .selectAll()
        .where('user_id', '=', anna.user.id)
        .executeTakeFirstOrThrow();
      assert.match(row.pending_secret_enc ?? '', /^v1:/);
      assert.ok(!JSON.stringify(row).includes(pending.body.secret), 'the pending secret is sealed');

      const { secret, recoveryCodes } = await enableTwoFactor(clock, anna);
      clock.advance(STEP_MS);
      const { challenge } = await firstStep(cloud, anna);
      const everything = JSON.stringify(await snapshotTables(cloud));
      assert.ok(!everything.includes(secret), 'the base32 secret is in no table');
      assert.ok(
        !everything.includes(Buffer.from(secret).toString('base64')),
        'nor encoded otherwise',
      );
      for (const code of recoveryCodes) {
        assert.ok(!everything.includes(code), 'no recovery code as shown');
        assert.ok(!everything.includes(code.replace(/-/g, '')), 'nor without dashes');
      }
      assert.ok(!everything.includes(challenge), 'no challenge');
      const enabled = await cloud.store.db
        .selectFrom('two_factor')
        .selectAll()
        .where('user_id', '=', anna.user.id)
        .executeTakeFirstOrThrow();
      assert.match(enabled.secret_enc ?? '', /^v1:/);
      assert.equal(enabled.pending_secret_enc, null);

      // Sealed for Anna: copied onto Ben's row, it does not open (the user id is bound in).
      const ben = await registerAccount(cloud);
      await enableTwoFactor(clock, ben);
      await cloud.store.db
        .updateTable('two_factor')
        .set({ secret_enc: enabled.secret_enc })
        .where('user_id', '=', ben.user.id)
        .execute();
      clock.advance(STEP_MS);
      const swapped = await firstStep(cloud, ben);
      const answer = await secondStep(
        swapped.browser,
        swapped.challenge,
        await codeAt(clock, secret),
      );
      assert.equal(answer.status, 500, 'a swapped secret fails to open, it does not sign in');
      assert.equal(swapped.browser.session, undefined);
    });

    it('writes no secret, code, recovery code or challenge to the server log, even at trace level', async (t) => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const clock = new TestClock(Date.now());
      const cloud = await startTestCloud(t, dialect, {
        clock,
        logger: { level: 'trace', stream },
      });
      const anna = await registerAccount(cloud);
      const { secret, recoveryCodes } = await enableTwoFactor(clock, anna);
      const used: string[] = [];
      clock.advance(STEP_MS);
      const first = await firstStep(cloud, anna);
      used.push(await codeAt(clock, secret, 1));
      assert.equal((await secondStep(first.browser, first.challenge, used.at(-1)!)).status, 200);
      const second = await firstStep(cloud, anna);
      assert.equal(
        (await secondStep(second.browser, second.challenge, recoveryCodes[0]!)).status,
        200,
      );
      // Refused answers are logged too: a replay, a bad body, a wrong password.
      const third = await firstStep(cloud, anna);
      assert.equal((await secondStep(third.browser, third.challenge, used.at(-1)!)).status, 401);
      const bad = await third.browser.post('/api/auth/login/two-factor', {
        challenge: third.challenge,
        code: `${recoveryCodes[1]!}${'x'.repeat(40)}`,
      });
      assert.equal(bad.status, 400);
      clock.advance(2 * STEP_MS);
      used.push(await codeAt(clock, secret));
      const renewed = await anna.client.post('/api/me/two-factor/recovery-codes', {
        code: used.at(-1),
      });
      assert.equal(renewed.status, 200);
      clock.advance(STEP_MS);
      used.push(await codeAt(clock, secret));
      assert.equal(
        (
          await anna.client.post('/api/me/two-factor/disable', {
            password: anna.password,
            code: used.at(-1),
          })
        ).status,
        204,
      );

      const log = lines.join('');
      assert.match(log, /incoming request/, 'the logger is really on');
      assert.match(log, /\/api\/auth\/login\/two-factor/, 'the second steps were logged');
      assert.ok(lines.length > 20, `only ${lines.length} log lines`);
      const secrets = [
        secret,
        ...[...recoveryCodes, ...(renewed.body.recoveryCodes as string[])].flatMap((c) => [
          c,
          c.replace(/-/g, ''),
        ]),
        first.challenge,
        second.challenge,
        third.challenge,
        // Six digits also occur in timestamps; a logged body would quote them.
        ...used.map((code) => `"${code}"`),
      ];
      for (const value of secrets) assert.ok(!log.includes(value), `the log has ${value}`);
    });

    it('needs a session: API tokens are refused, and bad input is refused', async (t) => {
      const { clock, cloud } = await startWithClock(t, dialect);
      const anna = await registerAccount(cloud);
      const created = await anna.client.post('/api/tokens', { name: 'script', scope: 'manage' });
      assert.equal(created.status, 201, created.text);
      const script = new ApiClient(cloud.url, { bearer: created.body.token });
      // Its first use writes its last use; the refusals after it change nothing.
      assert.equal((await script.get('/api/sites')).status, 200);
      const before = await snapshotTables(cloud);
      for (const [method, path, body] of [
        ['GET', '/api/me/two-factor', undefined],
        ['POST', '/api/me/two-factor/setup', undefined],
        ['POST', '/api/me/two-factor/enable', { code: '123456' }],
        ['POST', '/api/me/two-factor/disable', { password: anna.password, code: '123456' }],
        ['POST', '/api/me/two-factor/recovery-codes', { code: '123456' }],
      ] as const) {
        const answer = await script.request(method, path, body ? { json: body } : {});
        assertErrorBody(answer, 403, 'SESSION_REQUIRED');
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');

      const { secret } = await enableTwoFactor(clock, anna);
      const { browser, challenge } = await firstStep(cloud, anna);
      for (const body of [
        {},
        { challenge },
        { code: '123456' },
        { challenge, code: 123456 },
        { challenge, code: 'x'.repeat(33) },
        { challenge: 'x'.repeat(101), code: '123456' },
        { challenge, code: '123456', extra: 1 },
      ]) {
        assertErrorBody(
          await browser.post('/api/auth/login/two-factor', body),
          400,
          'VALIDATION_FAILED',
        );
      }
      assertErrorBody(
        await anna.client.post('/api/me/two-factor/enable', { code: 'x'.repeat(33) }),
        400,
        'VALIDATION_FAILED',
      );
      clock.advance(STEP_MS);
      // None of that used the challenge up.
      assert.equal((await secondStep(browser, challenge, await codeAt(clock, secret))).status, 200);
    });
  });
}
