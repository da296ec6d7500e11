import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import { makeFirmwareImage } from '../../src/device/firmware.format.ts';
import {
  adminWithPassword,
  basic,
  digestChallenge,
  digestFetch,
  digestHeader,
  startTestDevice,
  type Envelope,
} from './helpers.ts';

const USER = 'integrator';
const PASS = 'api-pass-1';
const auth = { authorization: basic(USER, PASS) };

async function call<T = Record<string, unknown>>(url: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { ...auth, ...(init.headers as Record<string, string>) },
  });
  return {
    status: response.status,
    body: (await response.json()) as Envelope<T>,
    headers: response.headers,
  };
}

function errorOf(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}

test('system/info answers the vendor envelope with the documented fields', async (t) => {
  const { url, identity } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const { status, body } = await call(`${url}/api/system/info`);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    success: true,
    result: {
      devType: '2-14-0-0',
      variant: '2N IP Verso',
      variantId: 14,
      customerId: 0,
      serialNumber: identity.serialNumber,
      macAddr: identity.macAddress.replace(/:/g, '-'),
      hwVersion: '570v1',
      swVersion: '2.40.0.45',
      buildType: 'release',
      firmwarePackage: 'latchkey-emulator',
      deviceName: '2N IP Verso',
    },
  });
  const statusReply = await call<{ upTime: number; systemTime: number; cloud: unknown }>(
    `${url}/api/system/status`,
  );
  assert.ok(statusReply.body.success);
  assert.deepEqual(statusReply.body.result!.cloud, { state: 'disconnected', site: null });
});

test('error codes: unknown path 2, wrong method 3, disabled 4, HTTPS required 7, missing auth 9, privileges 10, parameters 11 and 12', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const admin = await adminWithPassword(url);

  assert.equal(errorOf((await call(`${url}/api/system/nothing`)).body).code, 2);
  const wrongMethod = await call(`${url}/api/system/info`, { method: 'DELETE' });
  assert.equal(errorOf(wrongMethod.body).code, 3);
  assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);

  assert.equal(
    (await admin.request('PUT', '/admin/api/http-api/services/switch', { enabled: false })).status,
    204,
  );
  const disabled = errorOf((await call(`${url}/api/switch/status`)).body);
  assert.equal(disabled.code, 4);
  assert.match(disabled.hint!, /enable it/);
  await admin.request('PUT', '/admin/api/http-api/services/switch', {
    enabled: true,
    connection: 'https',
  });
  assert.equal(errorOf((await call(`${url}/api/switch/status`)).body).code, 7);
  await admin.request('PUT', '/admin/api/http-api/services/switch', { connection: 'http' });

  const anonymous = await fetch(`${url}/api/switch/status`);
  assert.equal(anonymous.status, 401);
  assert.match(
    anonymous.headers.get('www-authenticate') ?? '',
    /Digest realm="HTTP API".*qop="auth"/,
  );
  assert.equal(errorOf((await anonymous.json()) as Envelope).code, 9);

  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'watcher',
    password: 'watch-pass',
    privileges: ['switch.monitor'],
  });
  const watcher = { authorization: basic('watcher', 'watch-pass') };
  assert.equal((await call(`${url}/api/switch/status`, { headers: watcher })).body.success, true);
  const denied = errorOf(
    (await call(`${url}/api/switch/ctrl?switch=1&action=on`, { headers: watcher })).body,
  );
  assert.equal(denied.code, 10);
  assert.match(denied.hint!, /switch\.control/);

  assert.deepEqual(
    {
      code: errorOf((await call(`${url}/api/switch/ctrl?action=on`)).body).code,
      param: errorOf((await call(`${url}/api/switch/ctrl?action=on`)).body).param,
    },
    { code: 11, param: 'switch' },
  );
  const invalid = errorOf((await call(`${url}/api/switch/ctrl?switch=9&action=on`)).body);
  assert.deepEqual(
    [invalid.code, invalid.param, invalid.description],
    [12, 'switch', 'invalid parameter value'],
  );
  assert.equal(
    errorOf((await call(`${url}/api/switch/ctrl?switch=1&action=explode`)).body).code,
    12,
  );
});

test('Digest and Basic work where enabled and are refused where not', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const admin = await adminWithPassword(url);

  assert.equal(
    ((await (await digestFetch(`${url}/api/switch/caps`, USER, PASS)).json()) as Envelope).success,
    true,
  );
  assert.equal((await call(`${url}/api/switch/caps`)).body.success, true);

  await admin.request('PUT', '/admin/api/http-api/services/switch', { auth: 'digest' });
  const basicRefused = await call(`${url}/api/switch/caps`);
  assert.equal(basicRefused.status, 401);
  assert.equal(errorOf(basicRefused.body).code, 8);
  assert.equal(
    ((await (await digestFetch(`${url}/api/switch/caps`, USER, PASS)).json()) as Envelope).success,
    true,
  );
  const wrongPassword = await digestFetch(`${url}/api/switch/caps`, USER, 'not-it');
  assert.equal(wrongPassword.status, 401);

  await admin.request('PUT', '/admin/api/http-api/services/switch', { auth: 'basic' });
  const challenge = await fetch(`${url}/api/switch/caps`);
  assert.match(challenge.headers.get('www-authenticate') ?? '', /^Basic realm="HTTP API"$/);
  const digestRefused = await fetch(`${url}/api/switch/caps`, {
    headers: {
      authorization:
        'Digest username="integrator", realm="HTTP API", nonce="x", uri="/api/switch/caps", response="0"',
    },
  });
  assert.equal(errorOf((await digestRefused.json()) as Envelope).code, 8);
  assert.equal((await call(`${url}/api/switch/caps`)).body.success, true);

  await admin.request('PUT', '/admin/api/http-api/services/switch', { auth: 'none' });
  assert.equal(((await (await fetch(`${url}/api/switch/caps`)).json()) as Envelope).success, true);
});

test('a replayed Digest request (same nonce count) is refused', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const first = await fetch(`${url}/api/switch/status`);
  const challenge = digestChallenge(first);
  const header = (nc: number) =>
    digestHeader(challenge, {
      username: USER,
      password: PASS,
      method: 'GET',
      uri: '/api/switch/status',
      nc,
      cnonce: 'abc',
    });
  assert.equal(
    (await fetch(`${url}/api/switch/status`, { headers: { authorization: header(1) } })).status,
    200,
  );
  const replay = await fetch(`${url}/api/switch/status`, { headers: { authorization: header(1) } });
  assert.equal(replay.status, 401);
  assert.match(errorOf((await replay.json()) as Envelope).hint!, /replay/);
  assert.equal(
    (await fetch(`${url}/api/switch/status`, { headers: { authorization: header(2) } })).status,
    200,
  );
});

test('switch control changes the switch status and log/pull returns the event', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const subscribed = await call<{ id: number }>(
    `${url}/api/log/subscribe?include=new&filter=SwitchStateChanged`,
  );
  assert.ok(subscribed.body.success);
  const id = subscribed.body.result!.id;

  const empty = await call<{ events: unknown[] }>(`${url}/api/log/pull?id=${id}&timeout=0`);
  assert.deepEqual(empty.body, { success: true, result: { events: [] } });

  // A long poll waits for the event and returns as soon as it happens.
  const pulling = call<{
    events: Array<{
      event: string;
      params: Record<string, unknown>;
      id: number;
      utcTime: number;
      upTime: number;
      tzShift: number;
    }>;
  }>(`${url}/api/log/pull?id=${id}&timeout=20`);
  const form = new URLSearchParams({ switch: '2', action: 'on' });
  const on = await call(`${url}/api/switch/ctrl`, { method: 'POST', body: form });
  assert.deepEqual(on.body, { success: true });
  const pulled = await pulling;
  assert.ok(pulled.body.success);
  const [event] = pulled.body.result!.events;
  assert.equal(event!.event, 'SwitchStateChanged');
  assert.deepEqual(event!.params, { switch: 2, state: true });
  assert.equal(typeof event!.utcTime, 'number');

  const status = await call<{ switches: Array<{ switch: number; active: boolean }> }>(
    `${url}/api/switch/status?switch=2`,
  );
  assert.deepEqual(status.body, {
    success: true,
    result: { switches: [{ switch: 2, active: true, locked: false, held: false }] },
  });

  const multipart = new FormData();
  multipart.append('switch', '2');
  multipart.append('action', 'off');
  assert.deepEqual(
    (await call(`${url}/api/switch/ctrl`, { method: 'POST', body: multipart })).body,
    { success: true },
  );
  const next = await call<{ events: Array<{ params: Record<string, unknown> }> }>(
    `${url}/api/log/pull?id=${id}`,
  );
  assert.ok(next.body.success);
  assert.deepEqual(
    next.body.result!.events.map((e) => e.params),
    [{ switch: 2, state: false }],
  );

  assert.deepEqual((await call(`${url}/api/log/unsubscribe?id=${id}`)).body, { success: true });
  assert.equal(errorOf((await call(`${url}/api/log/pull?id=${id}`)).body).code, 12);
});

test('io control and simulated inputs produce OutputChanged and InputChanged events', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const admin = await adminWithPassword(url);
  const id = (
    (await call<{ id: number }>(`${url}/api/log/subscribe?filter=InputChanged,OutputChanged`))
      .body as { result: { id: number } }
  ).result.id;
  assert.deepEqual((await call(`${url}/api/io/ctrl?port=relay1&action=on`)).body, {
    success: true,
  });
  assert.equal(errorOf((await call(`${url}/api/io/ctrl?port=input1&action=on`)).body).code, 12);
  assert.equal(
    (await admin.request('POST', '/admin/api/simulate/input', { port: 'input1', active: true }))
      .status,
    204,
  );
  const status = await call<{ ports: Array<{ port: string; state: number }> }>(
    `${url}/api/io/status`,
  );
  assert.ok(status.body.success);
  assert.deepEqual(
    status.body.result!.ports.filter((p) => p.state === 1).map((p) => p.port),
    ['input1', 'relay1'],
  );
  const events = await call<{ events: Array<{ event: string; params: unknown }> }>(
    `${url}/api/log/pull?id=${id}`,
  );
  assert.ok(events.body.success);
  assert.deepEqual(
    events.body.result!.events.map((e) => [e.event, e.params]),
    [
      ['OutputChanged', { port: 'relay1', state: true }],
      ['InputChanged', { port: 'input1', state: true }],
    ],
  );
});

test('config download is the vendor XML, upload with blob-cfg restores it, factoryreset keeps or resets the network', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const download = await fetch(`${url}/api/config`, { headers: auth });
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-type') ?? '', /xml/);
  const xml = await download.text();
  assert.match(xml, /<DeviceDatabase Version="4" Model="2N IP Verso">/);
  for (const section of [
    'Network',
    'Services',
    'Users',
    'Directory',
    'Switches',
    'Audio',
    'Display',
  ]) {
    assert.match(xml, new RegExp(`<${section}[ >]`), section);
  }

  const edited = xml.replace(
    '<SpeakerVolume>7</SpeakerVolume>',
    '<SpeakerVolume>3</SpeakerVolume>',
  );
  const upload = new FormData();
  upload.append('blob-cfg', new Blob([edited]), 'config.xml');
  assert.deepEqual((await call(`${url}/api/config`, { method: 'PUT', body: upload })).body, {
    success: true,
  });
  assert.equal(device.config.current.audio.speakerVolume, 3);

  const broken = new FormData();
  broken.append('blob-cfg', new Blob([edited.slice(0, 500)]), 'config.xml');
  assert.equal(
    errorOf((await call(`${url}/api/config`, { method: 'PUT', body: broken })).body).code,
    12,
  );
  assert.equal(device.config.current.audio.speakerVolume, 3);
  assert.equal(
    errorOf((await call(`${url}/api/config`, { method: 'PUT', body: new FormData() })).body).code,
    11,
  );

  await device.config.update('test', (d) => {
    d.network = { ...d.network, dhcp: false, ipAddress: '10.0.0.5', netmask: '255.0.0.0' };
  });
  assert.deepEqual((await call(`${url}/api/config/factoryreset`, { method: 'PUT' })).body, {
    success: true,
  });
  assert.equal(
    device.config.current.network.ipAddress,
    '10.0.0.5',
    'without section=network the network stays',
  );
  assert.equal(
    device.config.current.httpApi.accounts.length,
    0,
    'the API accounts are gone after a reset',
  );
  await device.accounts.provisionIntegratorAccount(USER, PASS);
  assert.deepEqual(
    (await call(`${url}/api/config/factoryreset?section=network`, { method: 'PUT' })).body,
    { success: true },
  );
  assert.equal(device.config.current.network.dhcp, true);
  assert.equal(device.config.current.network.ipAddress, '');
});

test('firmware upload checks model and version, apply switches swVersion and restarts', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const restarted: string[] = [];
  device.events.on('restarted', (e) => restarted.push(e.firmwareVersion));
  const upload = (image: Buffer) => {
    const form = new FormData();
    form.append('blob-fw', new Blob([image]), 'fw.bin');
    return call<{ fileId: string; version: string; downgrade: boolean; note: string }>(
      `${url}/api/firmware`,
      {
        method: 'PUT',
        body: form,
      },
    );
  };
  assert.equal(errorOf((await upload(Buffer.from('random bytes'))).body).code, 12);
  const foreign = errorOf(
    (await upload(makeFirmwareImage({ model: '2N IP Force', version: '2.41.0.1' }))).body,
  );
  assert.equal(foreign.code, 12);
  assert.match(foreign.hint!, /for a 2N IP Force/);
  assert.equal(
    errorOf((await call(`${url}/api/firmware/apply?fileid=00000000`, { method: 'PUT' })).body).code,
    14,
  );

  const accepted = await upload(makeFirmwareImage({ model: '2N IP Verso', version: '2.41.0.12' }));
  assert.ok(accepted.body.success);
  const { fileId } = accepted.body.result!;
  assert.deepEqual(accepted.body.result, {
    fileId,
    version: '2.41.0.12',
    downgrade: false,
    note: '',
  });
  assert.deepEqual(
    (await call(`${url}/api/firmware/apply?fileid=${fileId}`, { method: 'PUT' })).body,
    { success: true },
  );
  const info = await call<{ swVersion: string }>(`${url}/api/system/info`);
  assert.ok(info.body.success);
  assert.equal(info.body.result!.swVersion, '2.41.0.12');
  assert.deepEqual(restarted, ['2.41.0.12']);

  const older = await upload(makeFirmwareImage({ model: '2N IP Verso', version: '2.40.0.1' }));
  assert.ok(older.body.success);
  assert.equal(older.body.result!.downgrade, true);
  assert.deepEqual(
    (
      await call(`${url}/api/firmware/reject?fileid=${older.body.result!.fileId}`, {
        method: 'PUT',
      })
    ).body,
    { success: true },
  );
});

test('camera/snapshot returns a real JPEG of the requested size', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const response = await fetch(`${url}/api/camera/snapshot?width=320&height=240`, {
    headers: auth,
  });
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  const image = jpeg.decode(Buffer.from(await response.arrayBuffer()));
  assert.deepEqual([image.width, image.height], [320, 240]);
  assert.equal(
    errorOf((await call(`${url}/api/camera/snapshot?width=321&height=240`)).body).code,
    12,
  );
  assert.equal(errorOf((await call(`${url}/api/camera/snapshot`)).body).code, 11);
  for (const path of [
    'camera/caps',
    'call/status',
    'phone/status',
    'audio/test',
    'system/caps',
    'system/time',
    'log/caps',
    'io/caps',
    'switch/caps',
  ]) {
    assert.equal((await call(`${url}/api/${path}`)).body.success, true, path);
  }
});

test('a device with factory settings accepts only HTTPS for the HTTP API', async (t) => {
  const { url } = await startTestDevice(t);
  const reply = (await (await fetch(`${url}/api/system/info`)).json()) as Envelope;
  const error = errorOf(reply);
  assert.equal(error.code, 7);
  assert.match(error.hint!, /HTTPS/);
});

test('over the HTTPS listener the factory HTTPS-only services answer, with the certificate a reset renews', async (t) => {
  const { url, httpsUrl, device } = await startTestDevice(t, { httpsPort: 0 });
  assert.ok(httpsUrl);
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/accounts/1', {
    username: USER,
    password: PASS,
    privileges: ['system.control'],
  });
  const get = (path: string, authorization?: string) =>
    new Promise<{
      status: number;
      body: string;
      headers: IncomingHttpHeaders;
      cert: string;
    }>((resolve, reject) => {
      const request = httpsRequest(
        `${httpsUrl}${path}`,
        {
          rejectUnauthorized: false,
          agent: false,
          headers: authorization ? { authorization } : {},
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => {
            const socket = response.socket as TLSSocket;
            resolve({
              status: response.statusCode!,
              body,
              headers: response.headers,
              cert: socket.getPeerX509Certificate?.()?.fingerprint256 ?? '',
            });
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
  const challenge = await get('/api/system/status');
  assert.equal(challenge.status, 401);
  const authorization = digestHeader(String(challenge.headers['www-authenticate']), {
    username: USER,
    password: PASS,
    method: 'GET',
    uri: '/api/system/status',
  });
  const answered = await get('/api/system/status', authorization);
  assert.equal((JSON.parse(answered.body) as Envelope).success, true);
  assert.equal(
    new X509Certificate(device.config.current.certificate.certPem).fingerprint256,
    answered.cert,
  );

  await admin.request('POST', '/admin/api/factory-reset', { networkSettingsAndCertificates: true });
  const renewed = await get('/api/system/info');
  assert.equal(
    new X509Certificate(device.config.current.certificate.certPem).fingerprint256,
    renewed.cert,
  );
  assert.notEqual(renewed.cert, answered.cert);
});

test('a locked switch cannot be turned on and a held one stays on until released', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const ctrl = (query: string) => call(`${url}/api/switch/ctrl?${query}`);
  const status = async () =>
    (
      (
        await call<{ switches: Array<{ active: boolean; locked: boolean; held: boolean }> }>(
          `${url}/api/switch/status?switch=1`,
        )
      ).body as {
        result: { switches: Array<{ active: boolean; locked: boolean; held: boolean }> };
      }
    ).result.switches[0];
  await ctrl('switch=1&action=lock');
  await ctrl('switch=1&action=on');
  assert.deepEqual(await status(), { switch: 1, active: false, locked: true, held: false });
  await ctrl('switch=1&action=unlock');
  await ctrl('switch=1&action=hold');
  await ctrl('switch=1&action=off');
  assert.deepEqual(await status(), { switch: 1, active: true, locked: false, held: true });
  await ctrl('switch=1&action=release');
  assert.deepEqual(await status(), { switch: 1, active: false, locked: false, held: false });
  assert.equal(errorOf((await ctrl('switch=3&action=on')).body).hint!.includes('disabled'), true);
});

test('the device keeps at most five HTTP API accounts', async (t) => {
  const { url } = await startTestDevice(t);
  const admin = await adminWithPassword(url);
  for (let id = 1; id <= 5; id++) {
    const saved = await admin.json('PUT', `/admin/api/http-api/accounts/${id}`, {
      username: `user${id}`,
      password: 'api-pass-1',
      privileges: [],
    });
    assert.equal(saved.status, 200);
    assert.ok(
      !JSON.stringify(saved.body).includes('passwordHa1'),
      'the password hash is never shown',
    );
  }
  const sixth = await admin.json<{ error: { message: string } }>(
    'PUT',
    '/admin/api/http-api/accounts/6',
    { username: 'user6', password: 'api-pass-1' },
  );
  assert.equal(sixth.status, 413);
  assert.match(sixth.body.error.message, /room for 5 HTTP API accounts/);
});

test('Generate New, configuration changes and restarts appear in the event log without any code', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const admin = await adminWithPassword(url);
  const subscribed = await call<{ id: number }>(
    `${url}/api/log/subscribe?filter=SecurityCodeRegenerated,ConfigurationChanged,DeviceState`,
  );
  const id = (subscribed.body as { result: { id: number } }).result.id;
  await admin.request('POST', '/admin/api/security-code/generate');
  await admin.request('PUT', '/admin/api/switches/3', { enabled: true });
  const pulled = await call<{ events: Array<{ event: string; params: Record<string, unknown> }> }>(
    `${url}/api/log/pull?id=${id}`,
  );
  assert.ok(pulled.body.success);
  const events = pulled.body.result!.events;
  assert.deepEqual(
    events.map((e) => e.event),
    ['SecurityCodeRegenerated', 'ConfigurationChanged'],
  );
  assert.deepEqual(events[0]!.params, { generation: 1 });
  const code = device.securityCode.current().securityCode;
  assert.ok(
    !JSON.stringify(events).includes(code) &&
      !JSON.stringify(events).includes(code.replace(/-/g, '')),
  );

  assert.deepEqual((await call(`${url}/api/system/restart`)).body, { success: true });
  assert.equal(
    errorOf((await call(`${url}/api/log/pull?id=${id}`)).body).code,
    12,
    'a restart drops subscriptions',
  );
  const after = await call<{ id: number }>(
    `${url}/api/log/subscribe?include=all&filter=DeviceState`,
  );
  const all = await call<{ events: Array<{ params: unknown }> }>(
    `${url}/api/log/pull?id=${(after.body as { result: { id: number } }).result.id}`,
  );
  assert.deepEqual(
    (all.body as { result: { events: Array<{ params: unknown }> } }).result.events.map(
      (e) => e.params,
    ),
    [{ state: 'startup' }, { state: 'startup' }],
  );
});

test('log/pull delivers only the events the subscribing account may monitor', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'doors',
    password: 'doors-pass',
    privileges: ['io.monitor'],
  });
  const doors = { authorization: basic('doors', 'doors-pass') };
  const subscribed = await call<{ id: number }>(`${url}/api/log/subscribe`, { headers: doors });
  const id = (subscribed.body as { result: { id: number } }).result.id;
  await call(`${url}/api/switch/ctrl?switch=1&action=on`);
  await admin.request('POST', '/admin/api/simulate/input', { port: 'input2', active: true });
  const pulled = await call<{ events: Array<{ event: string }> }>(`${url}/api/log/pull?id=${id}`, {
    headers: doors,
  });
  assert.deepEqual(
    (pulled.body as { result: { events: Array<{ event: string }> } }).result.events.map(
      (e) => e.event,
    ),
    ['InputChanged'],
  );
});
