import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { MAX_CALL_SESSIONS } from '../../../src/device/calls.service.ts';
import { basic, type Envelope } from '../helpers.ts';
import { startPanelDevice } from '../panel.helpers.ts';

// 2N HTTP API §5.7 api/call, with the remote party played through the emulator's admin API.

interface Session {
  session: number;
  direction: string;
  state: string;
  calls: Array<{ id: number; peer: string; state: string }>;
}

async function start(t: TestContext) {
  const device = await startPanelDevice(t);
  /** log/subscribe for the call events, then a pull that returns what happened since. */
  const subscribe = (filter = 'CallStateChanged,CallSessionStateChanged') =>
    device.subscribe(filter);
  return { ...device, api: device.envelope, subscribe };
}

function ok<T>(body: Envelope<T>): T {
  assert.equal(body.success, true, JSON.stringify(body));
  return (body as { result: T }).result;
}

function error(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}

test('call/dial rings the number, the remote party answers, call/hangup ends it: status and events follow', async (t) => {
  const { api, admin, subscribe } = await start(t);
  const pull = await subscribe();

  const { session } = ok(await api<{ session: number }>('call/dial?number=sip:1234@10.0.23.194'));
  assert.equal(typeof session, 'number');
  const ringing = ok(await api<{ sessions: Session[] }>('call/status')).sessions;
  assert.equal(ringing.length, 1);
  assert.equal(ringing[0]!.session, session);
  assert.equal(ringing[0]!.direction, 'outgoing');
  assert.equal(ringing[0]!.state, 'ringing');
  assert.equal(ringing[0]!.calls[0]!.peer, 'sip:1234@10.0.23.194');
  assert.equal(ringing[0]!.calls[0]!.state, 'ringing');
  const call = ringing[0]!.calls[0]!.id;

  const answered = await admin.request('POST', `/admin/api/front-panel/calls/${session}/answer`);
  assert.equal(answered.status, 204);
  const connected = ok(await api<{ sessions: Session[] }>(`call/status?session=${session}`));
  assert.equal(connected.sessions[0]!.state, 'connected');

  ok(await api(`call/hangup?session=${session}`));
  assert.deepEqual(ok(await api<{ sessions: Session[] }>('call/status')).sessions, []);

  const peer = 'sip:1234@10.0.23.194';
  const common = { direction: 'outgoing', peer, session, call };
  assert.deepEqual(await pull(), [
    { event: 'CallSessionStateChanged', params: { session, state: 'connecting' } },
    { event: 'CallStateChanged', params: { ...common, state: 'ringing' } },
    { event: 'CallSessionStateChanged', params: { session, state: 'ringing' } },
    { event: 'CallStateChanged', params: { ...common, state: 'connected' } },
    { event: 'CallSessionStateChanged', params: { session, state: 'connected' } },
    { event: 'CallStateChanged', params: { ...common, state: 'terminated', reason: 'normal' } },
    { event: 'CallSessionStateChanged', params: { session, state: 'terminated' } },
  ]);
});

test('call/dial users= calls each directory user at its number; a group call keeps the one who answers', async (t) => {
  const { api, admin, device } = await start(t);
  const created = await device.directory.create(
    [
      { name: 'Flat 1', callPos: [{ peer: 'sip:101@pbx' }] },
      { name: 'Flat 2', callPos: [{ peer: 'sip:102@pbx' }] },
    ],
    false,
  );
  const uuids = created.map((c) => c.uuid).join(',');
  const { session } = ok(await api<{ session: number }>(`call/dial?users=${uuids}`));
  const [ringing] = ok(await api<{ sessions: Session[] }>('call/status')).sessions;
  assert.deepEqual(
    ringing!.calls.map((c) => [c.peer, c.state]),
    [
      ['sip:101@pbx', 'ringing'],
      ['sip:102@pbx', 'ringing'],
    ],
  );
  const second = ringing!.calls[1]!.id;
  const answered = await admin.json('POST', `/admin/api/front-panel/calls/${session}/answer`, {
    call: second,
  });
  assert.equal(answered.status, 204);
  const [connected] = ok(await api<{ sessions: Session[] }>('call/status')).sessions;
  assert.deepEqual(connected!.calls, [{ id: second, peer: 'sip:102@pbx', state: 'connected' }]);
});

test('an incoming call rings until call/answer picks it up; call/hangup reason=busy ends it with that reason', async (t) => {
  const { api, admin, subscribe } = await start(t);
  const pull = await subscribe('CallStateChanged');
  const incoming = await admin.json<{ session: number }>(
    'POST',
    '/admin/api/front-panel/calls/incoming',
    { from: 'sip:concierge@10.0.0.5' },
  );
  assert.equal(incoming.status, 201);
  const { session } = incoming.body;
  const [ringing] = ok(await api<{ sessions: Session[] }>('call/status')).sessions;
  assert.equal(ringing!.direction, 'incoming');
  assert.equal(ringing!.state, 'ringing');

  ok(await api(`call/answer?session=${session}`));
  const [connected] = ok(await api<{ sessions: Session[] }>('call/status')).sessions;
  assert.equal(connected!.state, 'connected');
  ok(await api(`call/hangup?session=${session}&reason=busy`));
  assert.deepEqual(
    (await pull()).map((e) => [e.params.direction, e.params.state, e.params.reason]),
    [
      ['incoming', 'ringing', undefined],
      ['incoming', 'connected', undefined],
      ['incoming', 'terminated', 'busy'],
    ],
  );
});

test('the remote party rejecting an outgoing call ends it with reason rejected', async (t) => {
  const { api, admin, subscribe } = await start(t);
  const pull = await subscribe('CallStateChanged');
  const { session } = ok(await api<{ session: number }>('call/dial?number=102'));
  const rejected = await admin.json('POST', `/admin/api/front-panel/calls/${session}/hangup`, {
    reason: 'rejected',
  });
  assert.equal(rejected.status, 204);
  assert.deepEqual(ok(await api<{ sessions: Session[] }>('call/status')).sessions, []);
  assert.deepEqual(
    (await pull()).map((e) => [e.params.state, e.params.reason]),
    [
      ['ringing', undefined],
      ['terminated', 'rejected'],
    ],
  );
});

test('a connected call ends by itself after the talk-time limit', async (t) => {
  const { api, admin } = await start(t);
  const limits = await admin.json('PUT', '/admin/api/front-panel/calls/limits', { talkSeconds: 1 });
  assert.deepEqual(limits.body, { ringSeconds: 60, talkSeconds: 1 });
  const { session } = ok(await api<{ session: number }>('call/dial?number=102'));
  await admin.request('POST', `/admin/api/front-panel/calls/${session}/answer`);
  await new Promise((resolve) => setTimeout(resolve, 1300));
  assert.deepEqual(ok(await api<{ sessions: Session[] }>('call/status')).sessions, []);
});

test('an unanswered call stops ringing after the ring-time limit', async (t) => {
  const { api, admin, subscribe } = await start(t);
  await admin.json('PUT', '/admin/api/front-panel/calls/limits', { ringSeconds: 1 });
  const pull = await subscribe('CallStateChanged');
  await admin.json('POST', '/admin/api/front-panel/calls/incoming', { from: 'sip:7@pbx' });
  await new Promise((resolve) => setTimeout(resolve, 1300));
  assert.deepEqual(ok(await api<{ sessions: Session[] }>('call/status')).sessions, []);
  assert.deepEqual(
    (await pull()).map((e) => e.params.state),
    ['ringing', 'terminated'],
  );
});

test('an unknown session is refused with param session by status, answer and hangup', async (t) => {
  const { api } = await start(t);
  for (const path of [
    'call/status?session=999',
    'call/answer?session=999',
    'call/hangup?session=999',
  ]) {
    const refused = error(await api(path));
    assert.equal(refused.code, 12, path);
    assert.equal(refused.param, 'session', path);
  }
  for (const path of ['call/status?session=abc', 'call/hangup?session=-1']) {
    assert.equal(error(await api(path)).param, 'session', path);
  }
  const missing = error(await api('call/answer'));
  assert.deepEqual([missing.code, missing.param], [11, 'session']);
});

test('call/answer refuses an outgoing call, and call/hangup an unknown reason, changing nothing', async (t) => {
  const { api } = await start(t);
  const { session } = ok(await api<{ session: number }>('call/dial?number=102'));
  const answer = error(await api(`call/answer?session=${session}`));
  assert.deepEqual([answer.code, answer.param], [12, 'session']);
  const reason = error(await api(`call/hangup?session=${session}&reason=later`));
  assert.deepEqual([reason.code, reason.param], [12, 'reason']);
  const [still] = ok(await api<{ sessions: Session[] }>('call/status')).sessions;
  assert.equal(still!.state, 'ringing');
});

test('call/dial refuses bad destinations with the parameter at fault and creates no session', async (t) => {
  const { api } = await start(t);
  const cases: Array<[string, number, string]> = [
    ['call/dial', 11, 'number'],
    ['call/dial?number=102&users=ABC', 12, 'users'],
    [`call/dial?number=${'1'.repeat(257)}`, 12, 'number'],
    ['call/dial?number=sip:a%20b', 12, 'number'],
    ['call/dial?users=00000000-0000-0000-0000-000000000000', 12, 'users'],
    ['call/dial?users=,', 12, 'users'],
  ];
  for (const [path, code, param] of cases) {
    const refused = error(await api(path));
    assert.deepEqual([refused.code, refused.param], [code, param], path);
  }
  assert.deepEqual(ok(await api<{ sessions: Session[] }>('call/status')).sessions, []);
});

test('the intercom carries a bounded number of calls; one more is refused and nothing changes', async (t) => {
  const { api, subscribe } = await start(t);
  for (let i = 0; i < MAX_CALL_SESSIONS; i++) ok(await api(`call/dial?number=10${i}`));
  const pull = await subscribe();
  const refused = error(await api('call/dial?number=999'));
  assert.equal(refused.code, 14);
  assert.equal(
    ok(await api<{ sessions: Session[] }>('call/status')).sessions.length,
    MAX_CALL_SESSIONS,
  );
  assert.deepEqual(await pull(), []);
});

test('placing and ending calls needs Phone/Call control; monitoring alone sees call/status only', async (t) => {
  const { url, device, api } = await start(t);
  await device.accounts.saveApiAccount({
    username: 'monitor',
    password: 'monitor-pass-1',
    enabled: true,
    privileges: ['phone.monitor'],
  });
  const asMonitor = async (path: string) =>
    (await (
      await fetch(`${url}/api/${path}`, {
        headers: { authorization: basic('monitor', 'monitor-pass-1') },
      })
    ).json()) as Envelope;
  const { session } = ok(await api<{ session: number }>('call/dial?number=102'));
  assert.equal(ok(await asMonitor('call/status')) !== undefined, true);
  for (const path of ['call/dial?number=103', `call/hangup?session=${session}`]) {
    assert.equal(error(await asMonitor(path)).code, 10, path);
  }
  assert.equal(ok(await api<{ sessions: Session[] }>('call/status')).sessions.length, 1);
});
