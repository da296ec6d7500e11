import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FAILED_ATTEMPTS_LIMIT } from '../../src/device/front-panel.service.ts';
import { startPanelDevice, type LogEntry } from './panel.helpers.ts';

// The emulator's front panel: each action, seen by an integration through log/subscribe +
// log/pull (2N HTTP API §5.10.2, §5.10.4), raises the events of the manual's table (§5.10.1).

const PANEL_EVENTS = [
  'KeyPressed',
  'KeyReleased',
  'CodeEntered',
  'CardEntered',
  'UserAuthenticated',
  'SwitchStateChanged',
  'CallStateChanged',
  'CallSessionStateChanged',
  'InputChanged',
  'DoorStateChanged',
  'TamperSwitchActivated',
  'MotionDetected',
  'AccessLimited',
].join(',');

async function start(t: TestContext) {
  const running = await startPanelDevice(t);
  const { admin, api } = running;
  const pull = await running.subscribe(PANEL_EVENTS);
  const [resident] = await running.device.directory.create(
    [
      {
        name: 'Jana Novak',
        callPos: [{ peer: 'sip:101@10.0.0.2' }],
        access: { pin: '2468', card: ['0A1B2C3D'] },
      },
    ],
    false,
  );
  return { ...running, admin, api, pull, resident: { name: 'Jana Novak', uuid: resident!.uuid } };
}

const keys = (code: string) =>
  [...code].flatMap((key) => [
    { event: 'KeyPressed', params: { key } },
    { event: 'KeyReleased', params: { key } },
  ]);

test('a resident PIN on the keypad: the keys, CodeEntered valid, UserAuthenticated, then switch 1 opens', async (t) => {
  const { admin, api, pull, resident } = await start(t);
  const typed = await admin.json('POST', '/admin/api/front-panel/keypad', { code: '2468' });
  assert.equal(typed.status, 200);
  assert.deepEqual(typed.body, { valid: true, user: 'Jana Novak', switches: [1] });
  assert.deepEqual(await pull(), [
    ...keys('2468'),
    // The digits never reach the log (event.catalog.ts); one session ties the two events.
    { event: 'CodeEntered', params: { ap: 0, valid: true, session: 1, uuid: resident.uuid } },
    {
      event: 'UserAuthenticated',
      params: { ap: 0, session: 1, uuid: resident.uuid, name: resident.name },
    },
    { event: 'SwitchStateChanged', params: { switch: 1, state: true } },
  ]);
  const { switches } = await api<{ switches: Array<{ switch: number; active: boolean }> }>(
    'switch/status?switch=1',
  );
  assert.equal(switches[0]!.active, true);
});

test('a wrong PIN is a failed attempt: CodeEntered valid false and nothing opens', async (t) => {
  const { admin, api, pull } = await start(t);
  const typed = await admin.json('POST', '/admin/api/front-panel/keypad', { code: '1111' });
  assert.deepEqual(typed.body, { valid: false, user: null, switches: [] });
  assert.deepEqual(await pull(), [
    ...keys('1111'),
    { event: 'CodeEntered', params: { ap: 0, valid: false } },
  ]);
  const { switches } = await api<{ switches: Array<{ active: boolean }> }>(
    'switch/status?switch=1',
  );
  assert.equal(switches[0]!.active, false);
  const panel = await admin.json<{ accessPoints: Array<{ failedAttempts: number }> }>(
    'GET',
    '/admin/api/front-panel',
  );
  assert.equal(panel.body.accessPoints[0]!.failedAttempts, 1);
});

test(`after ${FAILED_ATTEMPTS_LIMIT} failed attempts the access point refuses even the right PIN for a while`, async (t) => {
  const { admin, pull } = await start(t);
  for (let i = 0; i < FAILED_ATTEMPTS_LIMIT; i++) {
    await admin.json('POST', '/admin/api/front-panel/keypad', { code: '9999' });
  }
  // §5.10.1: the limit-th failure raises AccessLimited for the access point.
  assert.deepEqual((await pull()).at(-1), {
    event: 'AccessLimited',
    params: { ap: 0, type: 'code', state: true },
  });
  const right = await admin.json<{ valid: boolean; accessLimitedFor?: number }>(
    'POST',
    '/admin/api/front-panel/keypad',
    { code: '2468' },
  );
  assert.equal(right.body.valid, false);
  assert.ok(right.body.accessLimitedFor! > 0);
  const events = await pull();
  assert.deepEqual(events.at(-1), { event: 'CodeEntered', params: { ap: 0, valid: false } });
  assert.ok(!events.some((e) => e.event === 'SwitchStateChanged'));
  // The exit access point is a reader of its own and still lets the resident out.
  const exit = await admin.json<{ valid: boolean }>('POST', '/admin/api/front-panel/keypad', {
    code: '2468',
    accessPoint: 2,
  });
  assert.equal(exit.body.valid, true);
});

test("a resident's card: CardEntered valid, UserAuthenticated, switch 1; an unknown card opens nothing", async (t) => {
  const { admin, pull, resident } = await start(t);
  const known = await admin.json('POST', '/admin/api/front-panel/card', { uid: '0A1B2C3D' });
  assert.deepEqual(known.body, { valid: true, user: 'Jana Novak', switches: [1] });
  assert.deepEqual(await pull(), [
    {
      event: 'CardEntered',
      params: {
        ap: 0,
        direction: 'in',
        reader: 'internal',
        uid: '0A1B2C3D',
        valid: true,
        session: 1,
        uuid: resident.uuid,
      },
    },
    {
      event: 'UserAuthenticated',
      params: { ap: 0, session: 1, uuid: resident.uuid, name: resident.name },
    },
    { event: 'SwitchStateChanged', params: { switch: 1, state: true } },
  ]);
  const unknown = await admin.json('POST', '/admin/api/front-panel/card', { uid: 'FFFF0000' });
  assert.deepEqual(unknown.body, { valid: false, user: null, switches: [] });
  assert.deepEqual(await pull(), [
    {
      event: 'CardEntered',
      params: { ap: 0, direction: 'in', reader: 'internal', uid: 'FFFF0000', valid: false },
    },
  ]);
});

test('call button 1 rings the first directory user; the called party answers through the admin API; call/hangup ends it', async (t) => {
  const { admin, api, pull } = await start(t);
  const pressed = await admin.json<{ session: number }>(
    'POST',
    '/admin/api/front-panel/buttons/1/press',
  );
  assert.equal(pressed.status, 200);
  const { session } = pressed.body;
  const ringing = await api<{ sessions: Array<{ state: string; calls: Array<{ peer: string }> }> }>(
    `call/status?session=${session}`,
  );
  assert.equal(ringing.sessions[0]!.state, 'ringing');
  assert.equal(ringing.sessions[0]!.calls[0]!.peer, 'sip:101@10.0.0.2');
  await admin.request('POST', `/admin/api/front-panel/calls/${session}/answer`);
  const connected = await api<{ sessions: Array<{ state: string }> }>('call/status');
  assert.equal(connected.sessions[0]!.state, 'connected');
  await api(`call/hangup?session=${session}`);
  assert.deepEqual((await api<{ sessions: unknown[] }>('call/status')).sessions, []);
  assert.deepEqual(
    (await pull()).map((e) => [e.event, e.params.key ?? e.params.state]),
    [
      ['KeyPressed', '%1'],
      ['KeyReleased', '%1'],
      ['CallSessionStateChanged', 'connecting'],
      ['CallStateChanged', 'ringing'],
      ['CallSessionStateChanged', 'ringing'],
      ['CallStateChanged', 'connected'],
      ['CallSessionStateChanged', 'connected'],
      ['CallStateChanged', 'terminated'],
      ['CallSessionStateChanged', 'terminated'],
    ],
  );
});

test('the door contact raises InputChanged of input1 then DoorStateChanged; tamper and motion their own', async (t) => {
  const { admin, pull, api } = await start(t);
  for (const [path, body] of [
    ['door', { open: true }],
    ['door', { open: true }],
    ['door', { open: false }],
    ['tamper', { active: true }],
    ['motion', { active: true }],
    ['motion', { active: false }],
  ] as const) {
    const reply = await admin.request('POST', `/admin/api/front-panel/${path}`, body);
    assert.equal(reply.status, 204, path);
  }
  assert.deepEqual(await pull(), [
    { event: 'InputChanged', params: { port: 'input1', state: true } },
    { event: 'DoorStateChanged', params: { state: 'opened' } },
    { event: 'InputChanged', params: { port: 'input1', state: false } },
    { event: 'DoorStateChanged', params: { state: 'closed' } },
    { event: 'InputChanged', params: { port: 'tamper', state: true } },
    { event: 'TamperSwitchActivated', params: { state: 'in' } },
    { event: 'MotionDetected', params: { state: 'in' } },
    { event: 'MotionDetected', params: { state: 'out' } },
  ]);
  const io = await api<{ ports: Array<{ port: string; state: number }> }>('io/status');
  assert.equal(io.ports.find((p) => p.port === 'tamper')!.state, 1);
  const panel = await admin.json<{ door: string; tamper: boolean; recentEvents: LogEntry[] }>(
    'GET',
    '/admin/api/front-panel',
  );
  assert.equal(panel.body.door, 'closed');
  assert.equal(panel.body.tamper, true);
  assert.equal(panel.body.recentEvents[0]!.event, 'MotionDetected');
});

test('single keys: digits, * and # raise KeyPressed/KeyReleased; %N presses call button N', async (t) => {
  const { admin, pull } = await start(t);
  for (const key of ['5', '*', '#']) {
    assert.equal((await admin.request('POST', '/admin/api/front-panel/keys', { key })).status, 200);
  }
  const button = await admin.json<{ session: number }>('POST', '/admin/api/front-panel/keys', {
    key: '%1',
  });
  assert.equal(typeof button.body.session, 'number');
  const events = (await pull()).filter((e) => e.event === 'KeyPressed').map((e) => e.params.key);
  assert.deepEqual(events, ['5', '*', '#', '%1']);
});

test('bad keys, overlong codes and cards, unknown buttons are refused with the field and raise nothing', async (t) => {
  const { admin, pull } = await start(t);
  const cases: Array<[string, unknown, string]> = [
    ['/admin/api/front-panel/keys', { key: 'A' }, 'key'],
    ['/admin/api/front-panel/keys', { key: '%99' }, 'button'],
    ['/admin/api/front-panel/keys', { key: '1'.repeat(9) }, 'key'],
    ['/admin/api/front-panel/keypad', { code: '1'.repeat(17) }, 'code'],
    ['/admin/api/front-panel/keypad', { code: '12a4' }, 'code'],
    ['/admin/api/front-panel/keypad', { code: '' }, 'code'],
    ['/admin/api/front-panel/keypad', { code: '2468', accessPoint: 3 }, 'accessPoint'],
    ['/admin/api/front-panel/card', { uid: 'A'.repeat(33) }, 'uid'],
    ['/admin/api/front-panel/card', { uid: '0A 1B' }, 'uid'],
    ['/admin/api/front-panel/buttons/2/press', undefined, 'button'],
    ['/admin/api/front-panel/buttons/x/press', undefined, 'button'],
    ['/admin/api/front-panel/door', { open: 'yes' }, 'open'],
    ['/admin/api/front-panel/calls/incoming', { from: 'a b' }, 'from'],
    ['/admin/api/front-panel/calls/77/answer', {}, 'session'],
    ['/admin/api/front-panel/calls/77/hangup', { reason: 'later' }, 'reason'],
  ];
  for (const [path, body, field] of cases) {
    const reply = await admin.json<{ error: { field: string } }>('POST', path, body);
    assert.equal(reply.status, 400, path);
    assert.equal(reply.body.error.field, field, path);
  }
  const limits = await admin.json<{ error: { field: string } }>(
    'PUT',
    '/admin/api/front-panel/calls/limits',
    { ringSeconds: -1 },
  );
  assert.deepEqual([limits.status, limits.body.error.field], [400, 'ringSeconds']);
  assert.deepEqual(await pull(), []);
});

test('the front panel admin routes need a session and, for changes, the CSRF token', async (t) => {
  const { url, admin, pull } = await start(t);
  const anonymous = await fetch(`${url}/admin/api/front-panel/keypad`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: '2468' }),
  });
  assert.equal(anonymous.status, 401);
  assert.equal((await fetch(`${url}/admin/api/front-panel`)).status, 401);
  const forged = await fetch(`${url}/admin/api/front-panel/keypad`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: admin.cookie },
    body: JSON.stringify({ code: '2468' }),
  });
  assert.equal(forged.status, 403);
  const forgedCall = await fetch(`${url}/admin/api/front-panel/calls/incoming`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: admin.cookie, 'x-csrf-token': 'x' },
    body: JSON.stringify({ from: 'sip:1@x' }),
  });
  assert.equal(forgedCall.status, 403);
  assert.deepEqual(await pull(), []);
});

test('the classic Home page carries the panel as plain forms; a forged form changes nothing', async (t) => {
  const { url, admin, pull } = await start(t);
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    redirect: 'manual' as const,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin.cookie },
    body: new URLSearchParams(fields).toString(),
  });
  const home = await (await fetch(`${url}/classic/`, { headers: { cookie: admin.cookie } })).text();
  assert.match(home, /<h2 id="front-panel-heading">Front panel<\/h2>/);
  assert.match(home, /%1 Call Jana Novak/);

  const forged = await fetch(`${url}/classic/front-panel/keypad`, form({ code: '2468' }));
  assert.equal(forged.status, 403);
  assert.deepEqual(await pull(), []);

  const typed = await fetch(
    `${url}/classic/front-panel/keypad`,
    form({ _csrf: admin.csrfToken, code: '2468', accessPoint: '1' }),
  );
  assert.equal(typed.status, 303);
  assert.equal(typed.headers.get('location'), '/classic/?panel=granted#front-panel');
  assert.ok((await pull()).some((e) => e.event === 'UserAuthenticated'));

  const bad = await fetch(
    `${url}/classic/front-panel/card`,
    form({ _csrf: admin.csrfToken, uid: '<script>' }),
  );
  assert.equal(bad.headers.get('location'), '/classic/?panel-error=uid#front-panel');
  const shown = await (
    await fetch(`${url}/classic/?panel-error=uid`, { headers: { cookie: admin.cookie } })
  ).text();
  assert.match(shown, /Refused: Give the card id/);
  assert.deepEqual(await pull(), []);
});
