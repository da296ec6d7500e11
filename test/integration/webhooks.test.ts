import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, codeFor, joinCompany, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
import { devicesOf, party } from '../helpers/transfers.ts';
import { waitFor } from '../helpers/wait.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { addOperatorFirmware } from '../helpers/rollouts.ts';
import { startReceiver } from '../helpers/webhooks.ts';

const FAST = { retryScheduleMs: [30, 30, 30, 30, 30, 30], timeoutMs: 2000 };

async function cloudWithHook(
  t: Parameters<typeof startTestCloud>[0],
  dialect: (typeof testDialects)[number],
  events: string[],
) {
  const cloud = await startTestCloud(t, dialect, { webhooksAllowInsecure: true, webhooks: FAST });
  const receiver = await startReceiver(t);
  const anna = await party(cloud, 'Anna');
  const made = await anna.client.post('/api/webhooks', { url: receiver.url, events });
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  receiver.state.secret = made.body.secret;
  return { cloud, receiver, anna, hook: made.body as { id: string; secret: string } };
}

const ALL = [
  'device.added',
  'device.moved-away',
  'device.deleted',
  'device.online',
  'device.offline',
  'device.code-regenerated',
  'transfer.offered',
  'transfer.accepted',
  'access.granted',
  'access.refused',
];

async function deviceEvents(cloud: TestCloud, serial: string) {
  await cloud.services.deviceLink.presence(serial, true);
  await cloud.services.deviceLink.presence(serial, false);
  await cloud.services.deviceLink.event(serial, { type: 'code-regenerated', generation: 1 });
  for (const granted of [true, false]) {
    await cloud.services.deviceLink.event(serial, {
      type: 'access',
      at: new Date().toISOString(),
      granted,
      credential: 'pin',
      accessPoint: 1,
      switch: 1,
    });
  }
}

for (const dialect of testDialects) {
  describe(`webhooks (${dialect.name})`, () => {
    it('signs every kind of event and delivers each exactly once, to its company only', async (t) => {
      const { cloud, receiver, anna } = await cloudWithHook(t, dialect, ALL);
      const bert = await party(cloud, 'Bert');
      const [kept, deleted, moved] = await devicesOf(cloud, anna, 3);
      await deviceEvents(cloud, kept!.serialNumber);
      const gone = await anna.client.delete(
        `/api/sites/${anna.site.id}/devices/${deleted!.serialNumber}`,
      );
      assert.equal(gone.status, 204, gone.text);
      const offer = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [moved!.serialNumber],
      });
      assert.equal(offer.status, 201, offer.text);
      const accepted = await bert.client.post(`/api/transfers/${offer.body.id}/accept`, {
        siteId: bert.site.id,
      });
      assert.equal(accepted.status, 200, accepted.text);
      // Bert's company has no endpoint: nothing of his reaches Anna's.
      const [his] = await mintDevices(cloud, 1);
      assert.equal(
        (await claim(bert.client, bert.site.id, his!.serialNumber, codeFor(his!, 0))).status,
        201,
      );
      await waitFor(
        'every kind',
        () => new Set(receiver.distinct().map((r) => r.type)).size >= ALL.length,
        15_000,
      );
      await cloud.webhookDispatcher.idle();
      const got = receiver.distinct();
      assert.equal(receiver.state.rejected, 0);
      assert.deepEqual([...new Set(got.map((r) => r.type))].sort(), [...ALL].sort());
      // Three added, one of each other kind.
      assert.equal(got.filter((r) => r.type === 'device.added').length, 3);
      assert.equal(got.length, ALL.length + 2);
      for (const r of got) {
        assert.equal(r.body.companyId, anna.company.id);
        assert.equal(r.body.type, r.type);
        assert.ok(!JSON.stringify(r.body).includes(his!.serialNumber));
      }
      // A bad signature is refused by the receiver: the check above is a real one.
      const forged = await fetch(receiver.url, {
        method: 'POST',
        headers: { 'Latchkey-Signature': 't=1,v1=' + '0'.repeat(64) },
        body: '{}',
      });
      assert.equal(forged.status, 400);
    });

    it('delivers in order after the receiver was down, and keeps ids over retries and a resend', async (t) => {
      const { cloud, receiver, anna, hook } = await cloudWithHook(t, dialect, [
        'device.online',
        'device.offline',
      ]);
      const [device] = await devicesOf(cloud, anna, 1);
      receiver.state.status = 503;
      for (let i = 0; i < 3; i++) {
        await cloud.services.deviceLink.presence(device!.serialNumber, true);
        await cloud.services.deviceLink.presence(device!.serialNumber, false);
      }
      await waitFor('a failed attempt', async () => {
        const log = await anna.client.get(`/api/webhooks/${hook.id}/deliveries`);
        return log.body.items.some((d: { lastStatus: number | null }) => d.lastStatus === 503);
      });
      receiver.state.status = 200;
      await waitFor('six deliveries', () => receiver.distinct().length >= 6, 15_000);
      assert.deepEqual(
        receiver.distinct().map((r) => r.type),
        ['online', 'offline', 'online', 'offline', 'online', 'offline'].map((s) => `device.${s}`),
      );
      const log = await anna.client.get(`/api/webhooks/${hook.id}/deliveries`);
      assert.equal(log.status, 200, log.text);
      assert.ok(log.body.items.every((d: { state: string }) => d.state === 'delivered'));
      assert.ok(log.body.items.some((d: { attempts: number }) => d.attempts > 1));
      const first = log.body.items.at(-1) as { id: string };
      const again = await anna.client.post(
        `/api/webhooks/${hook.id}/deliveries/${first.id}/resend`,
      );
      assert.equal(again.status, 202, again.text);
      await waitFor(
        'the resend',
        () => receiver.state.all.filter((r) => r.id === first.id).length >= 2,
      );
      const test = await anna.client.post(`/api/webhooks/${hook.id}/test`);
      assert.equal(test.status, 202, test.text);
      await waitFor('the test event', () =>
        receiver.state.all.some((r) => r.type === 'webhook.test'),
      );
    });

    it('refuses what it must: other tenants, viewers, bad URLs, bad secrets, too many, too big', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const mallory = await party(cloud, 'Mallory');
      // TEST-NET-1 (RFC 5737): a public address as far as the check goes, routed nowhere.
      const made = await anna.client.post('/api/webhooks', {
        url: 'https://192.0.2.10/hook',
        events: ['device.added'],
        secret: 'a-secret-of-my-own-choosing',
      });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.secret, 'a-secret-of-my-own-choosing');
      const stored = await cloud.store.db.selectFrom('webhook_endpoints').selectAll().execute();
      assert.ok(!JSON.stringify(stored).includes('a-secret-of-my-own-choosing'));
      const list = await anna.client.get('/api/webhooks');
      assert.ok(!list.text.includes('a-secret'));
      for (const path of [`/api/webhooks/${made.body.id}/deliveries`]) {
        assertErrorBody(await mallory.client.get(path), 404, 'WEBHOOK_NOT_FOUND');
      }
      assertErrorBody(
        await mallory.client.post(`/api/webhooks/${made.body.id}/test`),
        404,
        'WEBHOOK_NOT_FOUND',
      );
      assertErrorBody(
        await mallory.client.patch(`/api/webhooks/${made.body.id}`, { enabled: false }),
        404,
        'WEBHOOK_NOT_FOUND',
      );
      assertErrorBody(
        await mallory.client.delete(`/api/webhooks/${made.body.id}`),
        404,
        'WEBHOOK_NOT_FOUND',
      );
      const viewer = await registerAccount(cloud);
      await joinCompany(cloud, viewer, anna.company.id, 'member', [
        { siteId: anna.site.id, role: 'viewer' },
      ]);
      viewer.client.companyId = anna.company.id;
      assertErrorBody(await viewer.client.get('/api/webhooks'), 403, 'INSUFFICIENT_ROLE');
      for (const url of [
        'http://192.0.2.10/hook',
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'https://localhost/hook',
      ]) {
        const refused = await anna.client.post('/api/webhooks', { url, events: ['device.added'] });
        assert.ok([400, 422].includes(refused.status), `${url}: ${refused.text}`);
        assert.match(refused.body.error.code, /^WEBHOOK_URL_(INVALID|FORBIDDEN)$/);
      }
      assertErrorBody(
        await anna.client.post('/api/webhooks', {
          url: 'https://192.0.2.10/',
          events: ['device.added'],
          secret: 'short',
        }),
        400,
        'WEBHOOK_SECRET_TOO_SHORT',
      );
      const big = await anna.client.post('/api/webhooks', {
        url: `https://192.0.2.10/${'a'.repeat(100_000)}`,
        events: ['device.added'],
      });
      assert.ok([400, 413].includes(big.status), big.text);
      for (let i = 1; i < 20; i++) {
        const more = await anna.client.post('/api/webhooks', {
          url: `https://192.0.2.10/${i}`,
          events: ['device.added'],
        });
        assert.equal(more.status, 201, more.text);
      }
      assertErrorBody(
        await anna.client.post('/api/webhooks', {
          url: 'https://192.0.2.10/21',
          events: ['device.added'],
        }),
        409,
        'WEBHOOK_LIMIT',
      );
      assert.equal(
        (await cloud.store.db.selectFrom('webhook_endpoints').selectAll().execute()).length,
        20,
      );
      // A forbidden URL in a PATCH changes nothing; an unknown delivery is not found.
      const before = await cloud.store.db.selectFrom('webhook_endpoints').selectAll().execute();
      assertErrorBody(
        await anna.client.patch(`/api/webhooks/${made.body.id}`, {
          url: 'https://169.254.169.254/latest',
          enabled: false,
        }),
        422,
        'WEBHOOK_URL_FORBIDDEN',
      );
      assert.deepEqual(
        await cloud.store.db.selectFrom('webhook_endpoints').selectAll().execute(),
        before,
      );
      assertErrorBody(
        await anna.client.post(`/api/webhooks/${made.body.id}/deliveries/whd_nope/resend`),
        404,
        'WEBHOOK_DELIVERY_NOT_FOUND',
      );
      const test = await anna.client.post(`/api/webhooks/${made.body.id}/test`);
      assert.equal(test.status, 202, test.text);
      assertErrorBody(
        await mallory.client.post(
          `/api/webhooks/${made.body.id}/deliveries/${test.body.id}/resend`,
        ),
        404,
        'WEBHOOK_NOT_FOUND',
      );
    });

    it('follows no redirect, and disables an endpoint failing for longer than allowed', async (t) => {
      const cloud = await startTestCloud(t, dialect, {
        webhooksAllowInsecure: true,
        webhooks: {
          retryScheduleMs: Array.from({ length: 50 }, () => 30),
          disableAfterFailingMs: 300,
          timeoutMs: 2000,
        },
      });
      const receiver = await startReceiver(t);
      const anna = await party(cloud, 'Anna');
      const made = await anna.client.post('/api/webhooks', {
        url: `${receiver.url}?redirect`,
        events: ['device.added'],
      });
      receiver.state.secret = made.body.secret;
      receiver.state.status = 307;
      const test = await anna.client.post(`/api/webhooks/${made.body.id}/test`);
      assert.equal(test.status, 202, test.text);
      await waitFor(
        'the endpoint disabled by time',
        async () => (await anna.client.get('/api/webhooks')).body.items[0].enabled === false,
        10_000,
      );
      await cloud.webhookDispatcher.idle();
      const [delivery] = (await anna.client.get(`/api/webhooks/${made.body.id}/deliveries`)).body
        .items;
      assert.equal(delivery.lastStatus, 307);
      assert.equal(delivery.state, 'pending', 'it waits for the endpoint to be enabled again');
      assert.ok(delivery.attempts > 1);
      // The redirect's target was never asked for.
      assert.equal(receiver.state.redirected, 0);
      assert.match((await anna.client.get('/api/webhooks')).body.items[0].disabledReason, /since/);
    });

    it('disables an endpoint that keeps failing and mails its admins; PATCH enables it again', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, {
        smtpUrl: smtp.url,
        webhooksAllowInsecure: true,
        webhooks: { retryScheduleMs: [20], disableAfterFailedDeliveries: 2, timeoutMs: 2000 },
      });
      const receiver = await startReceiver(t);
      const anna = await party(cloud, 'Anna');
      const made = await anna.client.post('/api/webhooks', {
        url: receiver.url,
        events: ['device.online', 'device.offline'],
      });
      receiver.state.secret = made.body.secret;
      receiver.state.status = 500;
      const [device] = await devicesOf(cloud, anna, 1);
      await cloud.services.deviceLink.presence(device!.serialNumber, true);
      await cloud.services.deviceLink.presence(device!.serialNumber, false);
      const mail = await smtp.waitForMail(anna.email, 1, 15_000);
      assert.match(mail.parsed.subject ?? '', /webhook/i);
      const endpoint = (await anna.client.get('/api/webhooks')).body.items[0];
      assert.equal(endpoint.enabled, false);
      assert.ok(endpoint.disabledReason);
      receiver.state.status = 200;
      await cloud.services.deviceLink.presence(device!.serialNumber, true);
      const enabled = await anna.client.patch(`/api/webhooks/${made.body.id}`, { enabled: true });
      assert.equal(enabled.status, 200, enabled.text);
      assert.equal(enabled.body.enabled, true);
      const test = await anna.client.post(`/api/webhooks/${made.body.id}/test`);
      assert.equal(test.status, 202, test.text);
      await waitFor(
        'the test after enabling',
        () => receiver.state.all.some((r) => r.type === 'webhook.test'),
        10_000,
      );
    });

    it('sends rollout.finished once when a rollout ends', async (t) => {
      const cloud = await startTestCloud(t, dialect, {
        webhooksAllowInsecure: true,
        webhooks: FAST,
        rollouts: { tickMs: 100 },
      });
      const receiver = await startReceiver(t);
      const anna = await party(cloud, 'Anna');
      const made = await anna.client.post('/api/webhooks', {
        url: receiver.url,
        events: ['rollout.finished'],
      });
      receiver.state.secret = made.body.secret;
      const [device] = await devicesOf(cloud, anna, 1);
      await startLinkedEmulator(t, device!, cloud.url);
      await waitFor('the device online with its firmware', async () => {
        const list = await anna.client.get(`/api/sites/${anna.site.id}/devices`);
        return list.body.items?.[0]?.firmware;
      });
      const image = await addOperatorFirmware(cloud, '2.50.0.1');
      const started = await anna.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: anna.site.id,
      });
      assert.equal(started.status, 201, started.text);
      await waitFor('rollout.finished', () => receiver.distinct().length >= 1, 60_000);
      await cloud.webhookDispatcher.idle();
      const [finished] = receiver.distinct();
      assert.equal(receiver.distinct().length, 1);
      assert.equal(finished!.type, 'rollout.finished');
      assert.equal(finished!.body.data.rolloutId, started.body.id);
      assert.equal(finished!.body.data.state, 'done');
    });

    it('never writes a webhook secret to the server log, even at trace level', async (t) => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const cloud = await startTestCloud(t, dialect, {
        logger: { level: 'trace', stream },
        webhooksAllowInsecure: true,
        webhooks: FAST,
      });
      const receiver = await startReceiver(t);
      const anna = await party(cloud, 'Anna');
      const chosen = 'my-own-secret-of-24-chars';
      const given = await anna.client.post('/api/webhooks', {
        url: receiver.url,
        events: ['device.added'],
        secret: chosen,
      });
      assert.equal(given.status, 201, given.text);
      const generated = await anna.client.post('/api/webhooks', {
        url: receiver.url,
        events: ['device.added'],
      });
      // A refused request with a secret in its body (the URL is not one), and a malformed one.
      const refusedSecret = 'refused-secret-of-24-chars';
      const refused = await anna.client.post('/api/webhooks', {
        url: 'not a url',
        events: ['device.added'],
        secret: refusedSecret,
      });
      assert.equal(refused.status, 400, refused.text);
      const malformed = await anna.client.post('/api/webhooks', {
        url: receiver.url,
        events: ['no.such-kind'],
        secret: refusedSecret,
      });
      assert.equal(malformed.status, 400, malformed.text);
      receiver.state.secret = chosen;
      await anna.client.post(`/api/webhooks/${given.body.id}/test`);
      await waitFor('the test event', () => receiver.state.all.length >= 1);
      await cloud.webhookDispatcher.idle();
      const log = lines.join('');
      assert.match(log, /incoming request/);
      assert.ok(!log.includes(chosen), 'the given secret is not logged');
      assert.ok(!log.includes(generated.body.secret), 'the generated secret is not logged');
      assert.ok(!log.includes(refusedSecret), 'the secret of a refused request is not logged');
    });
  });
}
