import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import { hashToken } from '../../src/cloud/services/tokens.ts';
import { snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  DEFAULT_PASSWORD,
  mintDevices,
  nextCode,
  registerAccount,
  uniqueEmail,
} from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { linkIn, startTestSmtp, type ReceivedMail } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

const NEW_PASSWORD = 'a brand new passphrase here';

/** The token of a reset link, from its fragment (the part a browser sends to no server). */
function tokenOf(link: string): string {
  const url = new URL(link);
  assert.equal(url.pathname, '/reset-password');
  assert.ok(url.hash.length > 20, link);
  return url.hash.slice(1);
}

/** A log sink: every line the cloud's logger writes. */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: { level: 'debug', stream } };
}

const passwordHashOf = async (cloud: Pick<RunningCloud, 'store'>, email: string) =>
  (
    await cloud.store.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', email)
      .executeTakeFirstOrThrow()
  ).password_hash;

for (const dialect of testDialects) {
  describe(`mail and password reset (${dialect.name})`, () => {
    it('resets a forgotten password by following the link in a real mail; old sessions end', async (t) => {
      const smtp = await startTestSmtp(t);
      const log = logSink();
      const cloud = await startTestCloud(t, dialect, {
        smtpUrl: smtp.url,
        mailFrom: 'Latchkey <noreply@latchkey.test>',
        logger: log.logger,
      });
      // A name that would be markup: the HTML part must show it as text.
      const anna = await registerAccount(cloud, { name: 'Anna <b>"&"</b>' });
      const otherBrowser = new ApiClient(cloud.url);
      assert.equal(
        (await otherBrowser.post('/api/auth/login', { email: anna.email, password: anna.password }))
          .status,
        200,
      );

      const stranger = new ApiClient(cloud.url);
      const asked = await stranger.post('/api/auth/password-reset', {
        email: anna.email.toUpperCase(),
      });
      assert.equal(asked.status, 202, asked.text);
      assert.deepEqual(asked.body, { status: 'accepted' });

      const mail = await smtp.waitForMail(anna.email);
      assert.equal(mail.user, 'latchkey', 'the cloud logged in to the SMTP server');
      assert.equal(mail.from, 'noreply@latchkey.test');
      assert.equal(mail.parsed.subject, 'Reset your Latchkey password');
      const link = linkIn(mail, `${cloud.url}/reset-password#`);
      const html = String(mail.parsed.html);
      assert.ok(html.includes(`href="${link}"`), 'the HTML part carries the same link');
      assert.ok(html.includes('Anna &lt;b&gt;&quot;&amp;&quot;&lt;/b&gt;'), html);
      assert.ok(!html.includes('<b>'), 'no value becomes markup');
      assert.ok(mail.parsed.text!.includes('Hello Anna <b>"&"</b>,'));
      const token = tokenOf(link);
      // Only the hash is stored.
      const stored = await cloud.store.db.selectFrom('password_resets').selectAll().execute();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.token_hash, hashToken(token));
      assert.ok(!JSON.stringify(stored).includes(token));

      // The person opens the link: the portal's page (the fragment stays in the browser).
      const page = await fetch(link, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);

      const reset = await stranger.post(`/api/auth/password-reset/${token}`, {
        password: NEW_PASSWORD,
      });
      assert.equal(reset.status, 204, reset.text);

      // Every session of the person ended, in both browsers.
      assert.equal((await anna.client.get('/api/me')).status, 401);
      assert.equal((await otherBrowser.get('/api/me')).status, 401);
      const oldPassword = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: anna.password,
      });
      assert.equal(oldPassword.status, 401);
      const signedIn = new ApiClient(cloud.url);
      const login = await signedIn.post('/api/auth/login', {
        email: anna.email,
        password: NEW_PASSWORD,
      });
      assert.equal(login.status, 200, login.text);

      // The link works once: a second use is refused and changes nothing.
      const before = await snapshotTables(cloud);
      const again = await stranger.post(`/api/auth/password-reset/${token}`, {
        password: 'yet another passphrase',
      });
      assert.equal(again.status, 410);
      assert.equal(again.body.error.code, 'RESET_TOKEN_INVALID');
      assert.deepEqual(await snapshotTables(cloud), before);
      assert.equal((await signedIn.get('/api/me')).status, 200);

      // Neither the token nor the link was logged, though the token travelled in a path.
      await cloud.mail.idle();
      const logged = log.lines.join('');
      assert.ok(logged.includes('/api/auth/password-reset/[redacted]'), 'the route was logged');
      assert.ok(!logged.includes(token), 'the token is not in the log');
      assert.ok(!logged.includes('smtp-secret'), 'the SMTP password is not in the log');
    });

    it('answers 202 to an unknown address and sends nothing', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      const unknown = uniqueEmail('nobody');
      const answer = await client.post('/api/auth/password-reset', { email: unknown });
      assert.equal(answer.status, 202);
      const known = await client.post('/api/auth/password-reset', { email: anna.email });
      assert.equal(known.status, 202);
      assert.equal(answer.text, known.text, 'the same answer either way');
      assert.deepEqual(
        [...answer.headers.keys()].sort(),
        [...known.headers.keys()].sort(),
        'the same headers either way',
      );
      await smtp.waitForMail(anna.email);
      await cloud.mail.idle();
      assert.deepEqual(
        smtp.mails.map((m) => m.to),
        [[anna.email]],
      );
      const rows = await cloud.store.db.selectFrom('password_resets').selectAll().execute();
      assert.equal(rows.length, 1, 'no link was made for the unknown address');
    });

    it('refuses an expired link, a guessed token and oversized input, changing nothing', async (t) => {
      const smtp = await startTestSmtp(t);
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url, clock });
      const anna = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      assert.equal(
        (await client.post('/api/auth/password-reset', { email: anna.email })).status,
        202,
      );
      const token = tokenOf(linkIn(await smtp.waitForMail(anna.email), `${cloud.url}/`));
      const hashBefore = await passwordHashOf(cloud, anna.email);
      const before = await snapshotTables(cloud);

      // Guesses: random tokens, the token's hash itself, an oversized token or body.
      for (const guess of [
        randomBytes(32).toString('base64url'),
        hashToken(token),
        token.slice(0, -1),
      ]) {
        const answer = await client.post(`/api/auth/password-reset/${guess}`, {
          password: NEW_PASSWORD,
        });
        assert.equal(answer.status, 410, guess);
        assert.equal(answer.body.error.code, 'RESET_TOKEN_INVALID');
      }
      const longToken = await client.post(`/api/auth/password-reset/${'a'.repeat(200)}`, {
        password: NEW_PASSWORD,
      });
      // Beyond 100 characters Fastify matches no route (maxParamLength): refused either way.
      assert.ok([400, 404].includes(longToken.status), String(longToken.status));
      const longPassword = await client.post(`/api/auth/password-reset/${token}`, {
        password: 'x'.repeat(300),
      });
      assert.equal(longPassword.status, 400);
      const longEmail = await client.post('/api/auth/password-reset', {
        email: `${'a'.repeat(300)}@example.com`,
      });
      assert.equal(longEmail.status, 400);
      const extra = await client.post(`/api/auth/password-reset/${token}`, {
        password: NEW_PASSWORD,
        userId: anna.user.id,
      });
      assert.equal(extra.status, 400, 'no other field is read');
      // A weak password is refused and leaves the link usable.
      const weak = await client.post(`/api/auth/password-reset/${token}`, {
        password: 'password1',
      });
      assert.equal(weak.status, 400);
      assert.equal(weak.body.error.code, 'PASSWORD_TOO_WEAK');
      assert.deepEqual(await snapshotTables(cloud), before);

      // After the hour the link is refused, and the password and sessions are as they were.
      clock.advance(60 * 60_000 + 1000);
      const late = await client.post(`/api/auth/password-reset/${token}`, {
        password: NEW_PASSWORD,
      });
      assert.equal(late.status, 410);
      assert.equal(late.body.error.code, 'RESET_TOKEN_INVALID');
      assert.equal(await passwordHashOf(cloud, anna.email), hashBefore);
      const sessions = await cloud.store.db.selectFrom('sessions').selectAll().execute();
      assert.equal(sessions.length, 1);
      const signIn = await new ApiClient(cloud.url).post('/api/auth/login', {
        email: anna.email,
        password: DEFAULT_PASSWORD,
      });
      assert.equal(signIn.status, 200);
    });

    it('uses a link once when two requests race for it', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      await client.post('/api/auth/password-reset', { email: anna.email });
      const token = tokenOf(linkIn(await smtp.waitForMail(anna.email), `${cloud.url}/`));
      const answers = await Promise.all(
        ['first passphrase is long', 'second passphrase is long'].map((password) =>
          client.post(`/api/auth/password-reset/${token}`, { password }),
        ),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [204, 410]);
    });

    it('limits reset mails per address; the limit answers the same for unknown addresses', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await registerAccount(cloud);
      const unknown = uniqueEmail('nobody');
      const client = new ApiClient(cloud.url);
      for (const email of [anna.email, unknown]) {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          statuses.push((await client.post('/api/auth/password-reset', { email })).status);
        }
        assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429], email);
      }
      const limited = await client.post('/api/auth/password-reset', { email: anna.email });
      assert.equal(limited.body.error.code, 'TOO_MANY_RESET_REQUESTS');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      await cloud.mail.idle();
      await waitFor('five mails', () => smtp.mailsTo(anna.email).length === 5);
      assert.equal(smtp.mails.length, 5);
    });

    it('builds links from --public-url or its own URL, never from the Host header', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await registerAccount(cloud);
      const attacker = new ApiClient(cloud.url);
      const answer = await attacker.post(
        '/api/auth/password-reset',
        { email: anna.email },
        { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } },
      );
      assert.equal(answer.status, 202);
      const mail = await smtp.waitForMail(anna.email);
      assert.ok(!`${mail.parsed.text}${String(mail.parsed.html)}`.includes('evil.example'));
      linkIn(mail, `${cloud.url}/reset-password#`);

      const smtp2 = await startTestSmtp(t);
      const behindProxy = await startTestCloud(t, dialect, {
        smtpUrl: smtp2.url,
        publicUrl: 'https://latchkey.example.com/',
      });
      const bob = await registerAccount(behindProxy);
      await new ApiClient(behindProxy.url).post('/api/auth/password-reset', { email: bob.email });
      linkIn(await smtp2.waitForMail(bob.email), 'https://latchkey.example.com/reset-password#');
    });

    it('writes each mail to <data>/outbox as an owner-only .eml without SMTP', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const client = new ApiClient(cloud.url);
      assert.equal(
        (await client.post('/api/auth/password-reset', { email: anna.email })).status,
        202,
      );
      await cloud.mail.idle();
      const outbox = join(cloud.database.dataDir, 'outbox');
      const files = readdirSync(outbox);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /^\d{8}T\d{9}Z-[0-9a-f]{12}\.eml$/);
      assert.equal(statSync(outbox).mode & 0o777, 0o700);
      assert.equal(statSync(join(outbox, files[0]!)).mode & 0o777, 0o600);
      const raw = readFileSync(join(outbox, files[0]!));
      assert.ok(raw.includes('\r\n'), 'CRLF line ends, as sent over SMTP');
      const parsed = await simpleParser(raw);
      assert.equal(parsed.subject, 'Reset your Latchkey password');
      assert.ok(parsed.html, 'an HTML part');
      const received = { parsed } as ReceivedMail;
      const token = tokenOf(linkIn(received, `${cloud.url}/reset-password#`));
      const reset = await client.post(`/api/auth/password-reset/${token}`, {
        password: NEW_PASSWORD,
      });
      assert.equal(reset.status, 204);
    });

    it('mails every member when a new code is generated on a device and when it moves away', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const site = await createSite(anna.client, 'Tower <A>');
      const [device] = await mintDevices(cloud, 1);
      const added = await claim(anna.client, site.id, device!.serialNumber, device!.securityCode);
      assert.equal(added.status, 201, added.text);

      // The device reports Generate New over its link.
      await cloud.services.deviceLink.event(device!.serialNumber, {
        type: 'code-regenerated',
        generation: 1,
      });
      const newCode = await smtp.waitForMail(anna.email);
      assert.equal(
        newCode.parsed.subject,
        `A new security code was generated on ${device!.serialNumber}`,
      );
      const siteLink = `${cloud.url}/sites/${site.id}`;
      assert.equal(linkIn(newCode, `${cloud.url}/`), siteLink);
      assert.ok(String(newCode.parsed.html).includes(`href="${siteLink}"`));
      assert.ok(String(newCode.parsed.html).includes('Tower &lt;A&gt;'));
      const page = await fetch(siteLink, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200, 'the link opens the portal');

      // Someone else adds it with the new code: Anna's company hears it moved away.
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const bobSite = await createSite(bob.client, 'Elsewhere');
      const moved = await claim(bob.client, bobSite.id, device!.serialNumber, nextCode(device!, 0));
      assert.equal(moved.status, 201, moved.text);
      const movedMail = await smtp.waitForMail(anna.email, 2);
      assert.equal(
        movedMail.parsed.subject,
        `Device ${device!.serialNumber} was moved to another account`,
      );
      assert.equal(linkIn(movedMail, `${cloud.url}/`), siteLink);
      assert.ok(!movedMail.parsed.text!.includes('Elsewhere'), 'nothing of the other company');
      await cloud.mail.idle();
      assert.equal(smtp.mailsTo(bob.email).length, 0, 'the new owner gets no notice');
    });
  });
}
