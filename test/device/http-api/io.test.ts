import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vendorCall, vendorError, VENDOR_USER, VENDOR_PASS } from './vendor.helpers.ts';
import { basic, adminWithPassword, startTestDevice } from '../helpers.ts';
import { apiDevice, errorOf, PASS, resultOf, USER } from './api-dir.helpers.ts';

// 2N HTTP API §5.5 api/io, as integrations call it.

test('io/ctrl with response answers that text as text/plain and still sets the output (§5.5.3)', async (t) => {
  const { url, call } = await apiDevice(t);
  const response = await fetch(`${url}/api/io/ctrl?port=relay1&action=on&response=done%20ok`, {
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(await response.text(), 'done ok');
  const empty = await fetch(`${url}/api/io/ctrl?port=relay1&action=off&response=`, {
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(await empty.text(), '');
  const status = resultOf<{ ports: Array<{ port: string; state: number }> }>(
    await call('io/status?port=relay1'),
  );
  assert.deepEqual(status.ports, [{ port: 'relay1', state: 0 }]);
});

test('io/ctrl refuses an input, an unknown port and a bad action with the param, changing nothing (§5.5.3)', async (t) => {
  const { call } = await apiDevice(t);
  for (const [query, param] of [
    ['port=input1&action=on', 'port'],
    ['port=relay9&action=on', 'port'],
    ['port=relay1&action=toggle', 'action'],
    ['port=relay1', 'action'],
    ['action=on', 'port'],
  ] as const) {
    const error = errorOf(await call(`io/ctrl?${query}`));
    assert.equal(error.param, param, query);
    assert.ok(error.code === 11 || error.code === 12, query);
  }
  const status = resultOf<{ ports: Array<{ state: number }> }>(await call('io/status'));
  assert.ok(status.ports.every((p) => p.state === 0));
});

test('io control and simulated inputs produce OutputChanged and InputChanged events', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const admin = await adminWithPassword(url);
  const id = (
    (await vendorCall<{ id: number }>(`${url}/api/log/subscribe?filter=InputChanged,OutputChanged`))
      .body as { result: { id: number } }
  ).result.id;
  assert.deepEqual((await vendorCall(`${url}/api/io/ctrl?port=relay1&action=on`)).body, {
    success: true,
  });
  assert.equal(
    vendorError((await vendorCall(`${url}/api/io/ctrl?port=input1&action=on`)).body).code,
    12,
  );
  assert.equal(
    (await admin.request('POST', '/admin/api/simulate/input', { port: 'input1', active: true }))
      .status,
    204,
  );
  const status = await vendorCall<{ ports: Array<{ port: string; state: number }> }>(
    `${url}/api/io/status`,
  );
  assert.ok(status.body.success);
  assert.deepEqual(
    status.body.result!.ports.filter((p) => p.state === 1).map((p) => p.port),
    ['input1', 'relay1'],
  );
  const events = await vendorCall<{ events: Array<{ event: string; params: unknown }> }>(
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
