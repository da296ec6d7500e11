import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basic } from '../helpers.ts';
import { apiDevice, errorOf, PASS, resultOf, USER } from './api-dir.helpers.ts';

// 2N HTTP API §5.5 api/io and §5.8 api/camera, as integrations call them.

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

test('camera/snapshot answers POST as well as GET (§5.8.2)', async (t) => {
  const { url } = await apiDevice(t);
  const response = await fetch(`${url}/api/camera/snapshot?width=320&height=240`, {
    method: 'POST',
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  const jpeg = Buffer.from(await response.arrayBuffer());
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
});
