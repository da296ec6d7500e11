import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeFirmwareImage } from '../../src/core/firmware.format.ts';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import {
  claim,
  codeFor,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

const API_USER = 'integrator';
const API_PASS = 'api-pass-1';
const basic = `Basic ${Buffer.from(`${API_USER}:${API_PASS}`).toString('base64')}`;

/** Anna's site with one linked, emulated device (its HTTP server running), online. */
async function annasLinkedDevice(
  t: Parameters<typeof startLinkedEmulator>[0],
  cloud: TestCloud,
  webUrl?: string,
) {
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const site = await createSite(anna.client, 'Vinohradská 12');
  const [device] = await mintDevices(cloud, 1);
  const added = await claim(anna.client, site.id, device!.serialNumber, codeFor(device!, 0));
  assert.equal(added.status, 201, added.text);
  const emulator = await startLinkedEmulator(
    t,
    device!,
    cloud.url,
    undefined,
    [{ username: API_USER, password: API_PASS }],
    webUrl ? { webUrl } : {},
  );
  await waitFor('the device online', async () => {
    const page = await anna.client.get(`/api/devices/${device!.serialNumber}`);
    return page.body?.device?.online === true;
  });
  // What reaches the device's own server, to show the cloud's cookie never does.
  const seen: IncomingMessage['headers'][] = [];
  emulator.running.app.server.on('request', (request: IncomingMessage) =>
    seen.push(request.headers),
  );
  return { anna, site, serial: device!.serialNumber, emulator, seen };
}

async function open(account: Account, siteId: string, serial: string) {
  return account.client.post(`/api/sites/${siteId}/devices/${serial}/remote`, {});
}

/** A request through the relay as the browser of `account` makes it (its session cookie). */
function relay(
  account: Account | null,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
) {
  return fetch(url, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      ...(account ? { cookie: `latchkey_session=${account.client.session}` } : {}),
      ...init.headers,
    },
    ...(init.body ? { body: init.body } : {}),
  });
}

/**
 * A device web server that answers the head and 20 KiB of a larger answer, then nothing more
 * (a device that hangs mid-answer); `closed` resolves when its request is given up.
 */
async function stallingWebServer(t: Parameters<typeof startLinkedEmulator>[0]) {
  let closed!: () => void;
  const given = new Promise<void>((resolve) => (closed = resolve));
  const server = createServer((request, response) => {
    response.on('close', () => closed());
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(1024 * 1024),
    });
    response.write(Buffer.alloc(20 * 1024, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.after(() => server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed: given };
}

for (const dialect of testDialects) {
  describe(`remote configuration through the cloud (${dialect.name})`, () => {
    it('relays the classic pages with Location and links under the prefix, and the device still asks for its login', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, seen } = await annasLinkedDevice(t, cloud);
      const opened = await open(anna, site.id, serial);
      assert.equal(opened.status, 201, opened.text);
      const { url } = opened.body as { url: string; expiresAt: string };
      const prefix = new URL(url).pathname.replace(/\/$/, '');
      assert.match(prefix, /^\/remote\/[A-Za-z0-9_-]{43}$/);

      const home = await relay(anna, `${url}classic/`, { headers: { accept: 'text/html' } });
      assert.equal(home.status, 303);
      assert.equal(home.headers.get('location'), `${prefix}/classic/login`);

      const login = await relay(anna, `${url}classic/login`);
      assert.equal(login.status, 200);
      const html = await login.text();
      assert.match(html, new RegExp(`action="${prefix}/classic/login"`));
      assert.doesNotMatch(html, /(href|action|src)="\/classic\//);
      for (const cookie of login.headers.getSetCookie()) {
        assert.match(cookie, new RegExp(`Path=${prefix}/`));
      }

      // The device's HTTP API wants its own account; with it, the answer comes through.
      assert.equal((await relay(anna, `${url}api/system/info`)).status, 401);
      const info = await relay(anna, `${url}api/system/info`, {
        headers: { authorization: basic },
      });
      assert.equal(info.status, 200);
      assert.equal(((await info.json()) as { success: boolean }).success, true);

      // The cloud's session cookie never reaches the device; the device's own cookie does.
      await relay(anna, `${url}classic/login`, {
        headers: { cookie: `latchkey_session=${anna.client.session}; lk_device_session=abc` },
      });
      assert.ok(seen.length >= 4);
      for (const headers of seen) assert.doesNotMatch(headers.cookie ?? '', /latchkey_/);
      assert.ok(seen.some((headers) => headers.cookie === 'lk_device_session=abc'));

      const audit = await anna.client.get(`/api/sites/${site.id}/audit`);
      assert.ok(
        (audit.body.items as { action: string }[]).some(
          (row) => row.action === 'device.remote-opened',
        ),
      );
    });

    it('answers 404 to anyone but the person who opened it, and to a forged token', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, seen } = await annasLinkedDevice(t, cloud);
      const { url } = (await open(anna, site.id, serial)).body as { url: string };
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const before = seen.length;

      assert.equal((await relay(bob, `${url}classic/login`)).status, 404);
      assert.equal((await relay(null, `${url}classic/login`)).status, 404);
      const forged = url.replace(/\/remote\/[^/]+\//, `/remote/${'A'.repeat(43)}/`);
      const page = await relay(anna, `${forged}classic/login`, {
        headers: { accept: 'text/html' },
      });
      assert.equal(page.status, 404);
      assert.match(await page.text(), /This remote configuration link does not exist/);
      assert.equal(seen.length, before, 'nothing reached the device');

      // Bob, of another company, cannot open one on Anna's device either.
      const snapshot = await snapshotTables(cloud);
      const refused = await open(bob, site.id, serial);
      assert.equal(refused.status, 404);
      assert.deepEqual(await snapshotTables(cloud), snapshot);
    });

    it('relays a 20 MiB firmware upload to the device, which then holds it pending, and refuses 41 MiB', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, emulator } = await annasLinkedDevice(t, cloud);
      const { url } = (await open(anna, site.id, serial)).body as { url: string };
      const image = makeFirmwareImage(
        { model: '2N IP Verso', version: '2.41.0.12' },
        Buffer.alloc(20 * 1024 * 1024, 7),
      );
      const uploaded = await relay(anna, `${url}api/firmware`, {
        method: 'PUT',
        headers: { authorization: basic, 'content-type': 'application/octet-stream' },
        body: image,
      });
      const body = (await uploaded.json()) as { success: boolean; result?: { version: string } };
      assert.equal(uploaded.status, 200, JSON.stringify(body));
      assert.equal(body.success, true, JSON.stringify(body));
      assert.equal(body.result!.version, '2.41.0.12');
      const pending = (await readdir(join(emulator.dataDir, 'tmp'))).filter((name) =>
        name.includes('firmware'),
      );
      assert.equal(pending.length, 1);

      const tooLarge = await relay(anna, `${url}api/firmware`, {
        method: 'PUT',
        headers: { authorization: basic, 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(41 * 1024 * 1024),
      });
      assert.equal(tooLarge.status, 413);
    });

    it('answers 410 with a page once the session has been unused for 30 minutes', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, seen } = await annasLinkedDevice(t, cloud);
      const { url } = (await open(anna, site.id, serial)).body as { url: string };
      assert.equal((await relay(anna, `${url}classic/login`)).status, 200);
      // The session was last used 31 minutes ago.
      const long = new Date(Date.now() - 31 * 60_000).toISOString();
      await cloud.store.db.updateTable('remote_sessions').set({ last_used_at: long }).execute();
      const before = seen.length;
      const ended = await relay(anna, `${url}classic/login`, { headers: { accept: 'text/html' } });
      assert.equal(ended.status, 410);
      assert.match(await ended.text(), /This remote configuration session has ended/);
      assert.equal(seen.length, before, 'nothing reached the device');
    });

    it('refuses a change sent from another site', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, seen } = await annasLinkedDevice(t, cloud);
      const { url } = (await open(anna, site.id, serial)).body as { url: string };
      const before = seen.length;
      const forged = await relay(anna, `${url}classic/login`, {
        method: 'POST',
        headers: {
          'sec-fetch-site': 'cross-site',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: Buffer.from('username=admin&password=x'),
      });
      assert.equal(forged.status, 403);
      assert.equal(seen.length, before);
    });

    it('answers 409 when the device is offline', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, emulator } = await annasLinkedDevice(t, cloud);
      await emulator.link.stop();
      await waitFor('the device offline', async () => {
        const page = await anna.client.get(`/api/devices/${serial}`);
        return page.body?.device?.online === false;
      });
      const refused = await open(anna, site.id, serial);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'DEVICE_OFFLINE');
    });
    // The test's own limit is far below the 5-minute whole-request bound, so it is the bound
    // between answer parts that must cut the answer, not the request's.
    it(
      "cuts the browser's answer when the device stops answering in the middle of it, and the device gives up its request",
      { timeout: 60_000 },
      async (t) => {
        // The bound between answer parts, shortened so the test waits half a second, not 30 s.
        const cloud = await startTestCloud(t, dialect, { relayBounds: { partMs: 500 } });
        const stalling = await stallingWebServer(t);
        const { anna, site, serial } = await annasLinkedDevice(t, cloud, stalling.url);
        const { url } = (await open(anna, site.id, serial)).body as { url: string };
        const answer = await relay(anna, `${url}api/big-file`);
        assert.equal(answer.status, 200);
        // The head and the first part came; the rest never does, so the body ends in an error.
        await assert.rejects(answer.arrayBuffer());
        // The cloud told the device to abort: its own request to its web server is closed.
        await stalling.closed;
        // The session still serves the next request (nothing is left held).
        const next = await relay(anna, `${url}api/big-file`);
        assert.equal(next.status, 200);
        await assert.rejects(next.arrayBuffer());
      },
    );

    it('answers 404 to the next request of a site-admin removed from the site mid-session', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial, seen } = await annasLinkedDevice(t, cloud);
      const bob = await registerAccount(cloud, { name: 'Bob' });
      await joinCompany(cloud, bob, anna.company.id, 'member', [
        { siteId: site.id, role: 'site-admin' },
      ]);
      const opened = await open(bob, site.id, serial);
      assert.equal(opened.status, 201, opened.text);
      const { url } = opened.body as { url: string };
      assert.equal((await relay(bob, `${url}classic/login`)).status, 200);

      const removed = await anna.client.patch(`/api/company/members/${bob.user.id}`, {
        role: 'member',
        sites: [],
      });
      assert.equal(removed.status, 200, removed.text);
      const before = seen.length;
      const refused = await relay(bob, `${url}classic/login`);
      assert.equal(refused.status, 404);
      assert.equal(
        ((await refused.json()) as { error: { code: string } }).error.code,
        'REMOTE_SESSION_NOT_FOUND',
      );
      assert.equal(seen.length, before, 'nothing reached the device');
    });
  });
}
