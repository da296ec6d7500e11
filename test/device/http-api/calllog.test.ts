import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { MAX_CALL_LOG } from '../../../src/device/calls.service.ts';
import { AdminClient, basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.6.2 api/phone/calllog: the records of the intercom's ended calls.

const USER = 'integrator';
const PASS = 'api-pass-1';
const ADMIN_PASSWORD = 'installer-pass-1';

interface CallRecord {
  id: number;
  callType: string;
  name: string;
  date: string;
  duration: number;
}

async function start(t: TestContext) {
  const running = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
    adminPassword: ADMIN_PASSWORD,
  });
  const admin = new AdminClient(running.url);
  await admin.login(ADMIN_PASSWORD);
  const api = async <T = CallRecord>(
    path: string,
    method = 'GET',
    authorization = basic(USER, PASS),
  ) => {
    const response = await fetch(`${running.url}/api/${path}`, {
      method,
      headers: { authorization },
    });
    return (await response.json()) as Envelope<T>;
  };
  const log = async () => ok(await api<{ callLog: CallRecord[] }>('phone/calllog')).callLog;
  return { ...running, admin, api, log };
}

function ok<T>(body: Envelope<T>): T {
  assert.equal(body.success, true, JSON.stringify(body));
  return (body as { result: T }).result;
}

function error(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}

test('phone/calllog is empty on a new device', async (t) => {
  const { log } = await start(t);
  assert.deepEqual(await log(), []);
});

test('phone/calllog records an outgoing, an answered incoming and a missed call, newest first, with the manual fields', async (t) => {
  const { api, admin, log } = await start(t);
  const before = Date.now();
  const { session: out } = ok(
    await api<{ session: number }>('call/dial?number=sip:1234@10.0.23.194'),
  );
  ok(await api(`call/hangup?session=${out}`));

  const answered = await admin.json<{ session: number }>(
    'POST',
    '/admin/api/front-panel/calls/incoming',
    {
      from: 'sip:concierge@10.0.0.5',
    },
  );
  ok(await api(`call/answer?session=${answered.body.session}`));
  ok(await api(`call/hangup?session=${answered.body.session}`));

  const missed = await admin.json<{ session: number }>(
    'POST',
    '/admin/api/front-panel/calls/incoming',
    {
      from: 'sip:visitor@10.0.0.9',
    },
  );
  ok(await api(`call/hangup?session=${missed.body.session}`));

  const records = await log();
  assert.deepEqual(
    records.map((r) => [r.callType, r.name, r.duration]),
    [
      ['missed', 'sip:visitor@10.0.0.9', 0],
      ['incoming', 'sip:concierge@10.0.0.5', 0],
      ['outgoing', 'sip:1234@10.0.23.194', 0],
    ],
  );
  for (const record of records) {
    assert.deepEqual(Object.keys(record).sort(), ['callType', 'date', 'duration', 'id', 'name']);
    assert.match(record.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Date.parse(record.date) >= Math.floor(before / 1000) * 1000);
  }
  assert.equal(new Set(records.map((r) => r.id)).size, 3);
  // §5.6.2 offers GET or POST for reading.
  assert.deepEqual(
    ok(await api<{ callLog: CallRecord[] }>('phone/calllog', 'POST')).callLog,
    records,
  );
});

test('an active call is not in the call log until it ends; duration counts the seconds it was connected', async (t) => {
  const { api, device, log } = await start(t);
  const { session } = ok(await api<{ session: number }>('call/dial?number=sip:5@pbx'));
  device.calls.remoteAnswer(session);
  const connectedAt = Date.now();
  assert.deepEqual(await log(), []);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  ok(await api(`call/hangup?session=${session}`));
  const talked = Math.floor((Date.now() - connectedAt) / 1000);
  const [record] = await log();
  assert.equal(record!.callType, 'outgoing');
  assert.ok(record!.duration >= 1 && record!.duration <= talked, `${record!.duration}s`);
});

test('DELETE phone/calllog?id= removes that record; DELETE without id clears the log', async (t) => {
  const { api, device, log } = await start(t);
  for (const peer of ['sip:1@pbx', 'sip:2@pbx', 'sip:3@pbx'])
    device.calls.hangup(device.calls.incoming(peer));
  const [newest, middle, oldest] = await log();
  ok(await api(`phone/calllog?id=${middle!.id}`, 'DELETE'));
  assert.deepEqual(await log(), [newest, oldest]);
  ok(await api('phone/calllog', 'DELETE'));
  assert.deepEqual(await log(), []);
});

test('the call log keeps the last records only, and a restart clears it', async (t) => {
  const { api, device, log } = await start(t);
  for (let i = 0; i < MAX_CALL_LOG + 5; i++)
    device.calls.hangup(device.calls.incoming(`sip:${i}@pbx`));
  const records = await log();
  assert.equal(records.length, MAX_CALL_LOG);
  assert.equal(records[0]!.name, `sip:${MAX_CALL_LOG + 4}@pbx`);
  assert.equal(records.at(-1)!.name, 'sip:5@pbx');
  ok(await api('system/restart'));
  assert.deepEqual(await log(), []);
});

test('reading phone/calllog needs phone.monitor; DELETE needs phone.control', async (t) => {
  const { admin, api, device, log } = await start(t);
  device.calls.hangup(device.calls.incoming('sip:1@pbx'));
  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'watcher',
    password: 'watcher-pass-1',
    privileges: ['phone.monitor'],
  });
  await admin.request('PUT', '/admin/api/http-api/accounts/3', {
    username: 'stranger',
    password: 'stranger-pass-1',
    privileges: ['system.control'],
  });
  const watcher = basic('watcher', 'watcher-pass-1');
  assert.equal(
    ok(await api<{ callLog: CallRecord[] }>('phone/calllog', 'GET', watcher)).callLog.length,
    1,
  );
  assert.equal(error(await api('phone/calllog', 'DELETE', watcher)).code, 10);
  assert.equal(
    error(await api('phone/calllog', 'GET', basic('stranger', 'stranger-pass-1'))).code,
    10,
  );
  assert.equal((await log()).length, 1);
});

test('attack: DELETE phone/calllog with an unknown, empty or malformed id answers error 12 with param id; nothing is deleted', async (t) => {
  const { api, device, log } = await start(t);
  device.calls.hangup(device.calls.incoming('sip:1@pbx'));
  const before = await log();
  for (const id of [
    String(before[0]!.id + 1000),
    '',
    '%20',
    '-1',
    '0',
    '1.5',
    'abc',
    '1e3',
    '99999999999999999999',
  ]) {
    const failure = error(await api(`phone/calllog?id=${id}`, 'DELETE'));
    assert.deepEqual([failure.code, failure.param], [12, 'id'], `id=${id}`);
  }
  assert.deepEqual(await log(), before);
  assert.equal(error(await api('phone/calllog', 'PUT')).code, 3);
});
