// 2N HTTP API §5.10 api/log: caps, subscribe (filter, include, privileges), pull, unsubscribe.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vendorCall } from './vendor.helpers.ts';
import { vendorError } from './vendor.helpers.ts';
import { VENDOR_USER } from './vendor.helpers.ts';
import { VENDOR_PASS } from './vendor.helpers.ts';
import { EVENT_TYPES } from '../../../src/device/event.catalog.ts';
import { basic, type Envelope, adminWithPassword, startTestDevice } from '../helpers.ts';
import { apiDevice, errorOf, resultOf } from './api-dir.helpers.ts';

type Pulled = { events: Array<{ id: number; event: string; params: Record<string, unknown> }> };

const MANUAL_EVENTS = [
  'KeyPressed',
  'KeyReleased',
  'CodeEntered',
  'CardEntered',
  'UserAuthenticated',
  'CallStateChanged',
  'CallSessionStateChanged',
  'SwitchStateChanged',
  'InputChanged',
  'OutputChanged',
  'DoorStateChanged',
  'MotionDetected',
  'TamperSwitchActivated',
  'RegistrationStateChanged',
  'DeviceState',
  'AudioLoopTest',
];

test('log/caps lists every event of the manual the device records', async (t) => {
  const { call } = await apiDevice(t);
  const { events } = resultOf<{ events: string[] }>(await call('log/caps'));
  for (const name of [...MANUAL_EVENTS, 'AccessBlocked', 'ApiAccessRequested']) {
    assert.ok(events.includes(name), name);
  }
  assert.deepEqual(events, [...EVENT_TYPES]);
});

test('filter= takes any event of log/caps, alone or as a list, and only those are delivered', async (t) => {
  const { call, device } = await apiDevice(t);
  for (const name of EVENT_TYPES) {
    resultOf(await call(`log/subscribe?filter=${name}`));
  }
  const { id } = resultOf<{ id: number }>(
    await call(`log/subscribe?filter=${encodeURIComponent('KeyPressed, DoorStateChanged')}`),
  );
  device.eventLog.record('KeyPressed', { key: '5' });
  device.eventLog.record('KeyReleased', { key: '5' });
  device.eventLog.record('DoorStateChanged', { state: 'opened' });
  const { events } = resultOf<Pulled>(await call(`log/pull?id=${id}`));
  assert.deepEqual(
    events.map((e) => [e.event, e.params]),
    [
      ['KeyPressed', { key: '5' }],
      ['DoorStateChanged', { state: 'opened' }],
    ],
  );
});

test('an unknown event in filter= is refused with param filter', async (t) => {
  const { call } = await apiDevice(t);
  const error = errorOf(await call('log/subscribe?filter=KeyPressed,DoorOpened'));
  assert.equal(error.code, 12);
  assert.equal(error.param, 'filter');
  assert.match(error.hint!, /DoorOpened/);
});

test('include=-N replays the last N seconds, include=all the history, include=new nothing', async (t) => {
  const { call, device } = await apiDevice(t);
  device.eventLog.record('TamperSwitchActivated', { state: 'in' });
  const pull = async (include: string) => {
    const { id } = resultOf<{ id: number }>(
      await call(`log/subscribe?include=${include}&filter=TamperSwitchActivated`),
    );
    return resultOf<Pulled>(await call(`log/pull?id=${id}`)).events.map((e) => e.params);
  };
  assert.deepEqual(await pull('-60'), [{ state: 'in' }]);
  assert.deepEqual(await pull('all'), [{ state: 'in' }]);
  assert.deepEqual(await pull('new'), []);
  assert.deepEqual(
    [
      errorOf(await call('log/subscribe?include=yesterday')),
      errorOf(await call('log/subscribe?duration=0')),
    ].map((e) => [e.code, e.param]),
    [
      [12, 'include'],
      [12, 'duration'],
    ],
  );
});

test('an account receives only the events its privileges let it monitor', async (t) => {
  const { url, device, call } = await apiDevice(t);
  await device.accounts.saveApiAccount({
    username: 'lobby',
    password: 'lobby-pass-1',
    enabled: true,
    privileges: [],
  });
  const lobby = async <T>(path: string) =>
    (await (
      await fetch(`${url}/api/${path}`, {
        headers: { authorization: basic('lobby', 'lobby-pass-1') },
      })
    ).json()) as Envelope<T>;
  const { id } = resultOf(await lobby<{ id: number }>('log/subscribe'));
  const { id: all } = resultOf<{ id: number }>(await call('log/subscribe'));
  device.eventLog.record('CodeEntered', { ap: 0, valid: false });
  device.eventLog.record('DoorStateChanged', { state: 'opened' });
  device.eventLog.record('CallStateChanged', {
    direction: 'outgoing',
    state: 'ringing',
    peer: 'sip:100@pbx',
    session: 1,
    call: 1,
  });
  const seen = resultOf(await lobby<Pulled>(`log/pull?id=${id}`)).events.map((e) => e.event);
  assert.deepEqual(seen, ['DoorStateChanged']);
  const everything = resultOf<Pulled>(await call(`log/pull?id=${all}`)).events.map((e) => e.event);
  assert.deepEqual(everything, ['CodeEntered', 'DoorStateChanged', 'CallStateChanged']);
});

test('events carry the manual’s parameters, optional ones only when given, and never a code', async (t) => {
  const { call, device } = await apiDevice(t);
  const { id } = resultOf<{ id: number }>(await call('log/subscribe'));
  device.eventLog.record('CardEntered', {
    ap: 0,
    direction: 'in',
    reader: 'internal',
    uid: '0A1B2C3D',
    valid: true,
    session: 3,
    uuid: undefined,
  });
  device.eventLog.record('CodeEntered', { ap: 1, valid: true, session: 4, uuid: 'X' });
  const { events } = resultOf<Pulled>(await call(`log/pull?id=${id}`));
  assert.deepEqual(
    events.map((e) => e.params),
    [
      { ap: 0, direction: 'in', reader: 'internal', uid: '0A1B2C3D', valid: true, session: 3 },
      { ap: 1, valid: true, session: 4, uuid: 'X' },
    ],
  );
  assert.ok(events.every((e) => !('code' in e.params)));
});

test('log/pull and log/unsubscribe name a wrong or missing id', async (t) => {
  const { call } = await apiDevice(t);
  assert.deepEqual(
    [
      errorOf(await call('log/pull')),
      errorOf(await call('log/pull?id=12345')),
      errorOf(await call('log/unsubscribe?id=abc')),
    ].map((e) => [e.code, e.param]),
    [
      [11, 'id'],
      [12, 'id'],
      [12, 'id'],
    ],
  );
  const { id } = resultOf<{ id: number }>(await call('log/subscribe'));
  assert.equal(errorOf(await call(`log/pull?id=${id}&timeout=99999`)).param, 'timeout');
  resultOf(await call(`log/unsubscribe?id=${id}`));
  assert.equal(errorOf(await call(`log/pull?id=${id}`)).param, 'id');
});

test('Generate New, configuration changes and restarts appear in the event log without any code', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const admin = await adminWithPassword(url);
  const subscribed = await vendorCall<{ id: number }>(
    `${url}/api/log/subscribe?filter=SecurityCodeRegenerated,ConfigurationChanged,DeviceState`,
  );
  const id = (subscribed.body as { result: { id: number } }).result.id;
  await admin.request('POST', '/admin/api/security-code/generate');
  await admin.request('PUT', '/admin/api/switches/3', { enabled: true });
  const pulled = await vendorCall<{
    events: Array<{ event: string; params: Record<string, unknown> }>;
  }>(`${url}/api/log/pull?id=${id}`);
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

  assert.deepEqual((await vendorCall(`${url}/api/system/restart`)).body, { success: true });
  assert.equal(
    vendorError((await vendorCall(`${url}/api/log/pull?id=${id}`)).body).code,
    12,
    'a restart drops subscriptions',
  );
  const after = await vendorCall<{ id: number }>(
    `${url}/api/log/subscribe?include=all&filter=DeviceState`,
  );
  const all = await vendorCall<{ events: Array<{ params: unknown }> }>(
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
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'doors',
    password: 'doors-pass',
    privileges: ['io.monitor'],
  });
  const doors = { authorization: basic('doors', 'doors-pass') };
  const subscribed = await vendorCall<{ id: number }>(`${url}/api/log/subscribe`, {
    headers: doors,
  });
  const id = (subscribed.body as { result: { id: number } }).result.id;
  await vendorCall(`${url}/api/switch/ctrl?switch=1&action=on`);
  await admin.request('POST', '/admin/api/simulate/input', { port: 'input2', active: true });
  const pulled = await vendorCall<{ events: Array<{ event: string }> }>(
    `${url}/api/log/pull?id=${id}`,
    {
      headers: doors,
    },
  );
  assert.deepEqual(
    (pulled.body as { result: { events: Array<{ event: string }> } }).result.events.map(
      (e) => e.event,
    ),
    ['InputChanged'],
  );
});
