import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configToXml, parseConfigXml } from '../../../src/device/config.xml.ts';
import { adminWithPassword, basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.1 api/system: info, status, restart, caps, time, timezone, timezone/caps.

const USER = 'integrator';
const PASS = 'api-pass-1';

async function start(t: Parameters<typeof startTestDevice>[0]) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const call = async <T = Record<string, unknown>>(
    path: string,
    init: RequestInit = {},
    authorization = basic(USER, PASS),
  ) => {
    const response = await fetch(`${running.url}${path}`, {
      ...init,
      headers: { authorization, ...(init.headers as Record<string, string>) },
    });
    return (await response.json()) as Envelope<T>;
  };
  const ok = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}) => {
    const body = await call<T>(path, init);
    assert.equal(body.success, true, `${path}: ${JSON.stringify(body)}`);
    return (body as { result: T }).result;
  };
  return { ...running, call, ok };
}

const errorOf = (body: Envelope) => {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
};

const offsetOf = (zone: string, date = new Date()) => {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(date)
    .find((part) => part.type === 'timeZoneName')!.value;
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
};

test('system/info answers every field of the manual, also to an account without privileges', async (t) => {
  const { url, identity, call } = await start(t);
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'viewer',
    password: 'viewer-pass-1',
    privileges: [],
  });
  const info = await call('/api/system/info', {}, basic('viewer', 'viewer-pass-1'));
  assert.deepEqual(info, {
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
  // The same account is refused where the manual asks for System Control.
  const status = errorOf(await call('/api/system/status', {}, basic('viewer', 'viewer-pass-1')));
  assert.equal(status.code, 10);
  // Access rights are not authentication: without credentials system/info is refused.
  assert.equal(errorOf(await call('/api/system/info', {}, '')).code, 9);
});

test('system/info still needs HTTPS where the System service is HTTPS-only (the factory setting)', async (t) => {
  const { url } = await startTestDevice(t);
  const body = (await (await fetch(`${url}/api/system/info`)).json()) as Envelope;
  assert.equal(errorOf(body).code, 7);
});

test('system/status answers systemTime and upTime; system/caps answers options', async (t) => {
  const { ok } = await start(t);
  const status = await ok<{ systemTime: number; upTime: number }>('/api/system/status');
  assert.ok(Math.abs(status.systemTime - Date.now() / 1000) < 5);
  assert.ok(Number.isInteger(status.upTime) && status.upTime >= 0);
  const caps = await ok<{ options: Record<string, string> }>('/api/system/caps');
  assert.equal(caps.options.camera, 'active');
  assert.equal(caps.options.audioLoopTest, 'active');
  assert.ok(Object.values(caps.options).every((value) => typeof value === 'string'));
});

test('system/time answers utcTime, source and automatic; PUT utcTime sets a manual clock, automatic=1 goes back', async (t) => {
  const { ok, device } = await start(t);
  const before = await ok<{ utcTime: number; source: string; automatic: boolean }>(
    '/api/system/time',
  );
  assert.equal(before.automatic, true);
  assert.equal(before.source, 'NTP');
  assert.ok(Math.abs(before.utcTime - Date.now() / 1000) < 5);

  await ok('/api/system/time?automatic=0&server=ntp.example.org&utcTime=1700829813', {
    method: 'PUT',
  });
  const manual = await ok<{ utcTime: number; source: string; automatic: boolean }>(
    '/api/system/time',
  );
  assert.equal(manual.automatic, false);
  assert.equal(manual.source, 'manual');
  assert.ok(manual.utcTime >= 1700829813 && manual.utcTime < 1700829813 + 5);
  assert.equal(device.config.current.time.ntpServer, 'ntp.example.org');

  await ok('/api/system/time?automatic=1', { method: 'PUT' });
  const back = await ok<{ utcTime: number; automatic: boolean }>('/api/system/time');
  assert.equal(back.automatic, true);
  assert.ok(Math.abs(back.utcTime - Date.now() / 1000) < 5);
});

test('attack: system/time refuses a time out of range, a bad server or no time, naming the param', async (t) => {
  const { call, ok } = await start(t);
  const cases: Array<[string, number, string]> = [
    ['utcTime=0', 12, 'utcTime'],
    ['utcTime=2147483648', 12, 'utcTime'],
    ['utcTime=17e8', 12, 'utcTime'],
    ['automatic=yes&utcTime=1700829813', 12, 'automatic'],
    ['automatic=0&server=bad%20host&utcTime=1700829813', 12, 'server'],
    ['automatic=0', 11, 'utcTime'],
  ];
  for (const [query, code, param] of cases) {
    const error = errorOf(await call(`/api/system/time?${query}`, { method: 'PUT' }));
    assert.deepEqual([error.code, error.param], [code, param], query);
  }
  const after = await ok<{ automatic: boolean; utcTime: number }>('/api/system/time');
  assert.equal(after.automatic, true);
  assert.ok(Math.abs(after.utcTime - Date.now() / 1000) < 5);
});

test('system/timezone/caps lists the zone names, system/timezone answers and sets the zone', async (t) => {
  const { ok } = await start(t);
  const caps = await ok<{ timezones: string[] }>('/api/system/timezone/caps');
  for (const zone of ['Etc/UTC', 'Europe/Prague', 'America/Los_Angeles'])
    assert.ok(caps.timezones.includes(zone), zone);
  assert.deepEqual(caps.timezones, [...caps.timezones].sort());

  assert.deepEqual(await ok('/api/system/timezone'), { automatic: false, zone: 'Etc/UTC' });
  await ok('/api/system/timezone?automatic=0&zone=Europe/Prague', { method: 'PUT' });
  assert.deepEqual(await ok('/api/system/timezone'), { automatic: false, zone: 'Europe/Prague' });
  await ok('/api/system/timezone', {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'automatic=0&zone=custom&custom=UTC-08:00',
  });
  assert.deepEqual(await ok('/api/system/timezone'), {
    automatic: false,
    zone: 'custom',
    custom: 'UTC-08:00',
  });
  await ok('/api/system/timezone?automatic=1', { method: 'PUT' });
  assert.equal((await ok<{ automatic: boolean }>('/api/system/timezone')).automatic, true);
});

test('log entries carry tzShift, the minutes the device zone is ahead of UTC at that moment', async (t) => {
  const { ok } = await start(t);
  const pullAfter = async (action: string) => {
    const { id } = await ok<{ id: number }>('/api/log/subscribe?filter=SwitchStateChanged');
    await ok(`/api/switch/ctrl?switch=1&action=${action}`);
    const { events } = await ok<{ events: Array<{ tzShift: number }> }>(`/api/log/pull?id=${id}`);
    assert.ok(events.length > 0);
    return events[0]!.tzShift;
  };
  assert.equal(await pullAfter('on'), 0);
  await ok('/api/system/timezone?zone=custom&custom=UTC%2B05:30', { method: 'PUT' });
  assert.equal(await pullAfter('off'), 330);
  await ok('/api/system/timezone?zone=America/Los_Angeles', { method: 'PUT' });
  assert.equal(await pullAfter('on'), offsetOf('America/Los_Angeles'));
});

test('attack: system/timezone refuses an unknown zone or a malformed custom zone, naming the param', async (t) => {
  const { call, ok } = await start(t);
  const cases: Array<[string, number, string]> = [
    ['zone=Mars/Olympus', 12, 'zone'],
    ['zone=..%2F..%2Fetc%2Fpasswd', 12, 'zone'],
    ['zone=custom', 11, 'custom'],
    ['zone=custom&custom=UTC%2B25:00', 12, 'custom'],
    ['zone=custom&custom=GMT%2B01:00', 12, 'custom'],
    ['automatic=2', 12, 'automatic'],
    ['automatic=0', 11, 'zone'],
  ];
  for (const [query, code, param] of cases) {
    const error = errorOf(await call(`/api/system/timezone?${query}`, { method: 'PUT' }));
    assert.deepEqual([error.code, error.param], [code, param], query);
  }
  assert.deepEqual(await ok('/api/system/timezone'), { automatic: false, zone: 'Etc/UTC' });
});

test('the time settings are kept in config.xml, and an older config.xml without them still loads', async (t) => {
  const { device, ok } = await start(t);
  await ok('/api/system/timezone?zone=Europe/Prague', { method: 'PUT' });
  const xml = configToXml(device.config.current);
  assert.match(xml, /<Time [^>]*Zone="Europe\/Prague"/);
  const reread = parseConfigXml(xml);
  assert.ok(reread.ok);
  assert.equal(reread.value.time.zone, 'Europe/Prague');
  const older = parseConfigXml(xml.replace(/\s*<Time [^>]*\/>|\s*<Time [^>]*><\/Time>/, ''));
  assert.ok(older.ok, older.ok ? '' : older.message);
  assert.deepEqual(older.value.time, {
    automatic: true,
    ntpServer: 'pool.ntp.org',
    zoneAutomatic: false,
    zone: 'Etc/UTC',
    customZone: '',
  });
});
