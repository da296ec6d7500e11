import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startTestCloud } from '../helpers/cloud.ts';
import { postgresAdminUrl, postgresTestDialect, testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { requestEventStream } from '../helpers/event-stream.ts';
import { claim, codeFor, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, ApiClient } from '../helpers/http.ts';
import { scrape, valueOf } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

/** A log destination that keeps every line. */
function lineCollector(lines: string[]) {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
}

const TOKEN = 'metrics-token-0123456789abcdef';
const CLAIM_ROUTE = '/api/sites/:siteId/devices';

for (const dialect of testDialects) {
  describe(`metrics (${dialect.name})`, () => {
    it('counts a whole story: sign-up, a site, a wrong and a right claim, a linked device, a command, a live stream', async (t) => {
      const lines: string[] = [];
      const cloud = await startTestCloud(t, dialect, {
        metricsToken: TOKEN,
        logger: { level: 'info', stream: lineCollector(lines) },
      });
      const before = await scrape(cloud.url, TOKEN);
      assert.equal(before.status, 200, before.text);
      assert.match(before.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);

      const owner = await registerAccount(cloud);
      const site = await createSite(owner.client);
      const [device] = await mintDevices(cloud, 1);
      const serial = device!.serialNumber;
      const wrong = await claim(owner.client, site.id, serial, codeFor(device!, 40));
      assert.equal(wrong.status, 422, wrong.text);
      const added = await claim(owner.client, site.id, serial, device!.securityCode);
      assert.equal(added.status, 201, added.text);
      const emulator = await startLinkedEmulator(t, device!, cloud.url);
      await waitFor('the device online', async () => {
        const list = await owner.client.get(`/api/sites/${site.id}/devices`);
        return list.body.items?.[0]?.online === true;
      });
      const opened = await owner.client.post(`/api/sites/${site.id}/devices/${serial}/actions`, {
        action: 'open-door',
        switch: 1,
      });
      assert.equal(opened.status, 200, opened.text);
      // One log line for the link change, with the serial and why.
      const online = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'device link: online');
      assert.deepEqual(
        online.map(({ serial, online: up, reason }) => ({ serial, up, reason })),
        [{ serial, up: true, reason: 'connected' }],
      );
      const stream = await requestEventStream(cloud.url, owner.client);
      t.after(() => stream.close());
      assert.equal(stream.response.status, 200);

      // A path no route matches, with the site's id in it: counted, but not by its URL.
      const probe = await owner.client.get(`/api/no-such-thing/${site.id}`);
      assert.equal(probe.status, 404);

      const during = await scrape(cloud.url, TOKEN);
      const grew = (name: string, labels: Record<string, string> = {}) =>
        valueOf(during, name, labels) - valueOf(before, name, labels);

      // HTTP: by route pattern and status; the raw URL (with the site's id) is no label.
      const claims = { method: 'POST', route: CLAIM_ROUTE };
      assert.equal(grew('latchkey_http_requests_total', { ...claims, status: '422' }), 1);
      assert.equal(grew('latchkey_http_requests_total', { ...claims, status: '201' }), 1);
      assert.equal(
        grew('latchkey_http_requests_total', { route: '/api/auth/register', status: '201' }),
        1,
      );
      assert.equal(grew('latchkey_http_request_duration_seconds_count', claims), 2);
      assert.ok(grew('latchkey_http_request_duration_seconds_sum', claims) > 0);
      assert.equal(grew('latchkey_http_requests_total', { route: 'unmatched', status: '404' }), 1);
      assert.equal(during.text.includes(site.id), false, 'a raw URL became a label value');
      assert.equal(during.text.includes(serial), false, 'a serial number became a label value');

      // Claims by outcome.
      assert.equal(grew('latchkey_claims_total', { outcome: 'SECURITY_CODE_INVALID' }), 1);
      assert.equal(grew('latchkey_claims_total', { outcome: 'added' }), 1);

      // The link: what the device sent and what it was sent; the command's round trip.
      assert.ok(grew('latchkey_link_messages_total', { direction: 'in', kind: 'presence' }) >= 1);
      assert.ok(grew('latchkey_link_messages_total', { direction: 'in', kind: 'state' }) >= 1);
      assert.ok(grew('latchkey_link_messages_total', { direction: 'in', kind: 'replies' }) >= 1);
      assert.ok(grew('latchkey_link_messages_total', { direction: 'out', kind: 'commands' }) >= 1);
      assert.equal(
        grew('latchkey_command_round_trip_seconds_count', { command: 'open-door', outcome: 'ok' }),
        1,
      );
      assert.equal(valueOf(during, 'latchkey_devices_linked'), 1);
      assert.equal(valueOf(during, 'latchkey_devices_claimed'), 1);
      assert.equal(valueOf(during, 'latchkey_devices_claimed_linked'), 1);

      // The live stream, open now and closed after.
      assert.equal(valueOf(during, 'latchkey_sse_streams'), 1);
      stream.close();
      await waitFor('the stream counted as closed', async () => {
        return valueOf(await scrape(cloud.url, TOKEN), 'latchkey_sse_streams') === 0;
      });

      // The database, by dialect; the pool on PostgreSQL.
      const statements = { dialect: dialect.name };
      assert.ok(grew('latchkey_db_statement_duration_seconds_count', statements) > 10);
      if (dialect.name === 'postgres') {
        assert.ok(valueOf(during, 'latchkey_db_pool_connections') >= 1);
        assert.ok(valueOf(during, 'latchkey_db_pool_idle_connections') >= 0);
        assert.equal(during.types.get('latchkey_db_pool_waiting_requests'), 'gauge');
      }

      // The process defaults, event-loop lag among them.
      assert.equal(during.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
      assert.ok(valueOf(during, 'process_resident_memory_bytes') > 0);

      // The device goes offline: one line, and the claimed device no longer counts as linked.
      await emulator.link.stop();
      await waitFor('the offline line', () =>
        lines.some((line) => line.includes('"msg":"device link: offline"')),
      );
      const offline = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'device link: offline');
      assert.deepEqual(
        offline.map(({ serial, online: up, reason }) => ({ serial, up, reason })),
        [{ serial, up: false, reason: 'goodbye or last will' }],
      );
      const after = await scrape(cloud.url, TOKEN);
      assert.equal(valueOf(after, 'latchkey_devices_claimed'), 1);
      assert.equal(valueOf(after, 'latchkey_devices_claimed_linked'), 0);
      assert.equal(valueOf(after, 'latchkey_devices_linked'), 0);
    });

    it('refuses a missing or wrong token with 401 in the house error shape', async (t) => {
      const cloud = await startTestCloud(t, dialect, { metricsToken: TOKEN });
      const client = new ApiClient(cloud.url);
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}` },
        { authorization: TOKEN },
        { authorization: 'Bearer ' },
      ];
      for (const headers of attempts) {
        const refused = await client.request('GET', '/metrics', { headers });
        assertErrorBody(refused, 401, 'METRICS_TOKEN_INVALID');
        assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        assert.equal(refused.text.includes('latchkey_'), false);
      }
      // A person's session or API token is no metrics token.
      const anna = await registerAccount(cloud);
      const created = await anna.client.post('/api/tokens', { name: 'scraper' });
      assert.equal(created.status, 201, created.text);
      assertErrorBody(
        await client.request('GET', '/metrics', {
          headers: { authorization: `Bearer ${created.body.token as string}` },
        }),
        401,
        'METRICS_TOKEN_INVALID',
      );
      assertErrorBody(await anna.client.request('GET', '/metrics'), 401, 'METRICS_TOKEN_INVALID');
      const scraped = await scrape(cloud.url, TOKEN);
      assert.equal(scraped.status, 200);
      // The refusals were counted like any answer, under the route's pattern.
      assert.equal(
        valueOf(scraped, 'latchkey_http_requests_total', { route: '/metrics', status: '401' }),
        attempts.length + 2,
      );
    });

    it('answers 404 at /metrics when no token is configured, and keeps it out of the API document', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const client = new ApiClient(cloud.url);
      assertErrorBody(await client.request('GET', '/metrics'), 404, 'NOT_FOUND');
      const withToken = await client.request('GET', '/metrics', {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assertErrorBody(withToken, 404, 'NOT_FOUND');
      assert.equal(cloud.metricsAddress, null);
      const tokened = await startTestCloud(t, dialect, { metricsToken: TOKEN });
      const document = await new ApiClient(tokened.url).get('/openapi.json');
      assert.equal(Object.keys(document.body.paths).includes('/metrics'), false);
    });

    it('--metrics-listen serves /metrics without a token on its own port; the main port still needs it', async (t) => {
      const cloud = await startTestCloud(t, dialect, {
        metricsToken: TOKEN,
        metricsListen: '127.0.0.1:0',
      });
      assert.match(cloud.metricsAddress ?? '', /^127\.0\.0\.1:\d+$/);
      const listener = `http://${cloud.metricsAddress}`;
      const open = await scrape(listener);
      assert.equal(open.status, 200, open.text);
      assert.equal(open.types.get('latchkey_http_requests_total'), 'counter');
      const main = new ApiClient(cloud.url);
      assertErrorBody(await main.request('GET', '/metrics'), 401, 'METRICS_TOKEN_INVALID');
      // Only /metrics there: not the API, not the portal.
      for (const path of ['/api/me', '/openapi.json', '/', '/metrics/x']) {
        assertErrorBody(await new ApiClient(listener).request('GET', path), 404, 'NOT_FOUND');
      }
      const posted = await fetch(`${listener}/metrics`, { method: 'POST', body: '{}' });
      assert.equal(posted.status, 404);
      await cloud.close();
      await assert.rejects(fetch(`${listener}/metrics`), 'the listener closes with the cloud');
    });

    it('--metrics-listen without a token leaves /metrics on the main port at 404', async (t) => {
      const cloud = await startTestCloud(t, dialect, { metricsListen: '127.0.0.1:0' });
      assert.equal((await scrape(`http://${cloud.metricsAddress}`)).status, 200);
      assertErrorBody(await new ApiClient(cloud.url).request('GET', '/metrics'), 404, 'NOT_FOUND');
    });

    it('returns a request id on every answer: a short safe X-Request-Id is kept, anything else replaced', async (t) => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const cloud = await startTestCloud(t, dialect, { logger: { level: 'info', stream } });
      const client = new ApiClient(cloud.url);
      const idOf = async (headers: Record<string, string> = {}) =>
        (await client.request('GET', '/healthz', { headers })).headers.get('x-request-id') ?? '';
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      const first = await idOf();
      const second = await idOf();
      assert.match(first, uuid);
      assert.notEqual(first, second);
      assert.equal(await idOf({ 'x-request-id': 'lb-7f3a.2_x' }), 'lb-7f3a.2_x');
      // Too long, a space, a try at a second JSON line, markup, a non-ASCII letter, a path.
      const forged = ['a'.repeat(65), 'a b', 'x"}{"level":60', '<script>', 'ä', '../etc'];
      for (const value of forged) {
        assert.match(await idOf({ 'x-request-id': value }), uuid, `kept ${value}`);
      }
      // A refused request and a 404 carry one too.
      const missing = await client.request('GET', '/api/nothing-here');
      assert.match(missing.headers.get('x-request-id') ?? '', uuid);
      // Every line of a request carries its id.
      const kept = lines
        .map((line) => JSON.parse(line) as { requestId?: string; msg: string })
        .filter((line) => line.requestId === 'lb-7f3a.2_x');
      assert.deepEqual(
        kept.map((line) => line.msg),
        ['incoming request', 'request completed'],
      );
      assert.equal(lines.join('').includes('x"}{"level":60'), false);
    });

    it('never writes the metrics token to the log, at trace level, right or wrong', async (t) => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const cloud = await startTestCloud(t, dialect, {
        metricsToken: TOKEN,
        metricsListen: '127.0.0.1:0',
        logger: { level: 'trace', stream },
      });
      const wrongToken = `${TOKEN}-but-wrong`;
      assert.equal((await scrape(cloud.url, TOKEN)).status, 200);
      assert.equal((await scrape(cloud.url, wrongToken)).status, 401);
      assert.equal((await scrape(`http://${cloud.metricsAddress}`)).status, 200);
      await cloud.close();
      const log = lines.join('');
      assert.match(log, /request completed/);
      for (const secret of [TOKEN, wrongToken, Buffer.from(TOKEN).toString('base64')]) {
        assert.equal(log.includes(secret), false, `the log holds ${secret}`);
      }
    });
  });
}

describe('metrics while the database is away (postgres)', () => {
  it('still answers a scrape with latchkey_database_up 0 and the last fleet counts, then 1 once it is back', async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect, { metricsToken: TOKEN });
    const owner = await registerAccount(cloud);
    const site = await createSite(owner.client);
    const [device] = await mintDevices(cloud, 1);
    const added = await claim(owner.client, site.id, device!.serialNumber, device!.securityCode);
    assert.equal(added.status, 201, added.text);
    const up = await scrape(cloud.url, TOKEN);
    assert.equal(valueOf(up, 'latchkey_database_up'), 1);
    assert.equal(valueOf(up, 'latchkey_devices_claimed'), 1);

    // The database refuses every new connection, and the node's open ones are ended: what a
    // stopped server or a lost network looks like to the pool.
    const name = new URL(cloud.database.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: await postgresAdminUrl() });
    await admin.connect();
    const allow = (allowed: boolean) =>
      admin.query(`alter database ${name} with allow_connections ${allowed}`);
    // Undone in the test itself: the cloud's own cleanup drops the database before any hook
    // registered here would run.
    try {
      await allow(false);
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      const away = await waitFor('a scrape that finds the database away', async () => {
        const scraped = await scrape(cloud.url, TOKEN);
        return valueOf(scraped, 'latchkey_database_up') === 0 ? scraped : null;
      });
      assert.equal(away.status, 200);
      assert.equal(valueOf(away, 'latchkey_devices_claimed'), 1, 'the last read is kept');
      assert.ok(valueOf(away, 'latchkey_http_requests_total') > 0, 'the other metrics are there');
      assert.equal((await fetch(`${cloud.url}/readyz`)).status, 503);
    } finally {
      await allow(true);
      await admin.end();
    }
    const back = await scrape(cloud.url, TOKEN);
    assert.equal(valueOf(back, 'latchkey_database_up'), 1);
    assert.equal(valueOf(back, 'latchkey_devices_claimed'), 1);
  });
});
