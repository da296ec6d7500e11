import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vendorCall, vendorError, VENDOR_USER, VENDOR_PASS } from './vendor.helpers.ts';
import { adminWithPassword, basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.4 api/switch: caps, status, ctrl.

const USER = 'integrator';
const PASS = 'api-pass-1';
const auth = { authorization: basic(USER, PASS) };

interface SwitchState {
  switch: number;
  active: boolean;
  locked: boolean;
  held: boolean;
}

async function start(t: Parameters<typeof startTestDevice>[0]) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const call = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${running.url}${path}`, {
      ...init,
      headers: { ...auth, ...(init.headers as Record<string, string>) },
    });
    return {
      response,
      body: (await response
        .clone()
        .json()
        .catch(() => null)) as Envelope<T>,
    };
  };
  const status = async (n = 1) =>
    (
      (await call<{ switches: SwitchState[] }>(`/api/switch/status?switch=${n}`)).body as {
        result: { switches: SwitchState[] };
      }
    ).result.switches[0]!;
  return { ...running, call, status };
}

const errorOf = (body: Envelope) => {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
};

test('switch/caps lists every switch, with only "enabled" for a disabled one', async (t) => {
  const { call } = await start(t);
  const { body } = await call('/api/switch/caps');
  assert.deepEqual(body, {
    success: true,
    result: {
      switches: [
        { switch: 1, enabled: true, mode: 'monostable', switchOnDuration: 5, type: 'normal' },
        { switch: 2, enabled: true, mode: 'monostable', switchOnDuration: 5, type: 'normal' },
        { switch: 3, enabled: false },
        { switch: 4, enabled: false },
      ],
    },
  });
  const one = await call<{ switches: unknown[] }>('/api/switch/caps?switch=2');
  assert.equal((one.body as { result: { switches: unknown[] } }).result.switches.length, 1);
});

test('switch/status answers switch, active, locked and held, for one switch or all', async (t) => {
  const { call } = await start(t);
  const all = await call<{ switches: SwitchState[] }>('/api/switch/status');
  assert.deepEqual((all.body as { result: { switches: SwitchState[] } }).result.switches, [
    { switch: 1, active: false, locked: false, held: false },
    { switch: 2, active: false, locked: false, held: false },
    { switch: 3, active: false, locked: false, held: false },
    { switch: 4, active: false, locked: false, held: false },
  ]);
  // POST with an urlencoded body, as the manual allows.
  const posted = await call<{ switches: SwitchState[] }>('/api/switch/status', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'switch=2',
  });
  assert.deepEqual((posted.body as { result: { switches: SwitchState[] } }).result.switches, [
    { switch: 2, active: false, locked: false, held: false },
  ]);
});

test('switch/ctrl accepts timeout with every action and ignores it except for hold', async (t) => {
  const { call, status } = await start(t);
  for (const action of ['on', 'off', 'trigger', 'lock', 'unlock', 'release']) {
    // Even a value hold would refuse: an integration's shared template must not fail.
    const { body } = await call(`/api/switch/ctrl?switch=1&action=${action}&timeout=0`);
    assert.deepEqual(body, { success: true }, action);
  }
  await call('/api/switch/ctrl?switch=1&action=on&timeout=1');
  await new Promise((resolve) => setTimeout(resolve, 1300));
  // on is monostable (5 s): still on after 1.3 s, so the timeout was not used.
  assert.equal((await status()).active, true);
});

test('switch/ctrl hold with timeout holds the switch, then releases it after that many seconds', async (t) => {
  const { call, status } = await start(t);
  assert.deepEqual((await call('/api/switch/ctrl?switch=1&action=hold&timeout=1')).body, {
    success: true,
  });
  assert.deepEqual(await status(), { switch: 1, active: true, locked: false, held: true });
  // A held switch cannot be operated.
  await call('/api/switch/ctrl?switch=1&action=off');
  assert.equal((await status()).active, true);
  await new Promise((resolve) => setTimeout(resolve, 1300));
  assert.deepEqual(await status(), { switch: 1, active: false, locked: false, held: false });
});

test('switch/ctrl hold without timeout holds until release; locked wins over held', async (t) => {
  const { call, status } = await start(t);
  await call('/api/switch/ctrl?switch=2&action=hold');
  await call('/api/switch/ctrl?switch=2&action=lock');
  assert.deepEqual(await status(2), { switch: 2, active: false, locked: true, held: true });
  await call('/api/switch/ctrl?switch=2&action=unlock');
  assert.equal((await status(2)).active, true);
  await call('/api/switch/ctrl?switch=2&action=release');
  assert.equal((await status(2)).active, false);
});

test('switch/ctrl with response answers that text instead of the JSON envelope', async (t) => {
  const { call, status } = await start(t);
  const { response } = await call('/api/switch/ctrl?switch=1&action=on&response=Door%20open');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(await response.text(), 'Door open');
  assert.equal((await status()).active, true);
});

test('attack: bad switch, action or hold timeout is refused with its param and nothing changes', async (t) => {
  const { call, status } = await start(t);
  const cases: Array<[string, number, string]> = [
    ['action=on', 11, 'switch'],
    ['switch=0&action=on', 12, 'switch'],
    ['switch=5&action=on', 12, 'switch'],
    ['switch=1x&action=on', 12, 'switch'],
    ['switch=1', 11, 'action'],
    ['switch=1&action=open', 12, 'action'],
    ['switch=1&action=hold&timeout=0', 12, 'timeout'],
    ['switch=1&action=hold&timeout=86401', 12, 'timeout'],
    ['switch=1&action=hold&timeout=1.5', 12, 'timeout'],
    ['switch=3&action=on', 12, 'switch'],
  ];
  for (const [query, code, param] of cases) {
    const error = errorOf((await call(`/api/switch/ctrl?${query}`)).body);
    assert.deepEqual([error.code, error.param], [code, param], query);
  }
  assert.deepEqual(await status(), { switch: 1, active: false, locked: false, held: false });
  const caps = errorOf((await call('/api/switch/caps?switch=9')).body);
  assert.deepEqual([caps.code, caps.param], [12, 'switch']);
});

test('switch control changes the switch status and log/pull returns the event', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const subscribed = await vendorCall<{ id: number }>(
    `${url}/api/log/subscribe?include=new&filter=SwitchStateChanged`,
  );
  assert.ok(subscribed.body.success);
  const id = subscribed.body.result!.id;

  const empty = await vendorCall<{ events: unknown[] }>(`${url}/api/log/pull?id=${id}&timeout=0`);
  assert.deepEqual(empty.body, { success: true, result: { events: [] } });

  // A long poll waits for the event and returns as soon as it happens.
  const pulling = vendorCall<{
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
  const on = await vendorCall(`${url}/api/switch/ctrl`, { method: 'POST', body: form });
  assert.deepEqual(on.body, { success: true });
  const pulled = await pulling;
  assert.ok(pulled.body.success);
  const [event] = pulled.body.result!.events;
  assert.equal(event!.event, 'SwitchStateChanged');
  assert.deepEqual(event!.params, { switch: 2, state: true });
  assert.equal(typeof event!.utcTime, 'number');

  const status = await vendorCall<{ switches: Array<{ switch: number; active: boolean }> }>(
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
    (await vendorCall(`${url}/api/switch/ctrl`, { method: 'POST', body: multipart })).body,
    { success: true },
  );
  const next = await vendorCall<{ events: Array<{ params: Record<string, unknown> }> }>(
    `${url}/api/log/pull?id=${id}`,
  );
  assert.ok(next.body.success);
  assert.deepEqual(
    next.body.result!.events.map((e) => e.params),
    [{ switch: 2, state: false }],
  );

  assert.deepEqual((await vendorCall(`${url}/api/log/unsubscribe?id=${id}`)).body, {
    success: true,
  });
  assert.equal(vendorError((await vendorCall(`${url}/api/log/pull?id=${id}`)).body).code, 12);
});

test('a locked switch cannot be turned on and a held one stays on until released', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const ctrl = (query: string) => vendorCall(`${url}/api/switch/ctrl?${query}`);
  const status = async () =>
    (
      (
        await vendorCall<{ switches: Array<{ active: boolean; locked: boolean; held: boolean }> }>(
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
  assert.equal(
    vendorError((await ctrl('switch=3&action=on')).body).hint!.includes('disabled'),
    true,
  );
});

test('switch/status is read with Switch Control (current §5.4.2) as well as Switch Monitoring (earlier manuals)', async (t) => {
  const { url } = await startTestDevice(t, { httpsPort: 0 });
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/services/switch', {
    connection: 'http',
    auth: 'basic',
  });
  const accounts: Array<[string, string[]]> = [
    ['control', ['switch.control']],
    ['monitor', ['switch.monitor']],
    ['other', ['io.control', 'io.monitor']],
  ];
  for (const [index, [username, privileges]] of accounts.entries()) {
    const saved = await admin.request('PUT', `/admin/api/http-api/accounts/${index + 1}`, {
      username,
      password: PASS,
      privileges,
    });
    assert.ok(saved.ok, await saved.text());
  }
  const read = async (username: string) =>
    (await (
      await fetch(`${url}/api/switch/status`, {
        headers: { authorization: basic(username, PASS) },
      })
    ).json()) as Envelope;
  assert.equal((await read('control')).success, true);
  assert.equal((await read('monitor')).success, true);
  // attack: an account with neither is refused with error 10, which names both privileges.
  const refused = errorOf(await read('other'));
  assert.equal(refused.code, 10);
  assert.match(refused.hint!, /switch\.monitor or switch\.control/);
});
