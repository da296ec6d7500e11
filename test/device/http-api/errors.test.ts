// 2N HTTP API §2.3: every argument error names the parameter that is wrong, and a refused
// request changes nothing. Attacks on the directory, access point and log functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiDevice, errorOf, resultOf } from './api-dir.helpers.ts';

const JANA = '01234567-89AB-CDEF-0123-456789ABCDEF';

test('malformed requests to dir, accesspoint and log answer 11 or 12 with param, and change nothing', async (t) => {
  const { call, json, device } = await apiDevice(t);
  resultOf(await json('PUT', 'dir/create', { users: [{ uuid: JANA, access: { pin: '1234' } }] }));
  const before = structuredClone(device.config.current.directory);
  const raw = (method: string, path: string, body: string) =>
    call(path, { method, headers: { 'content-type': 'application/json' }, body });
  const attacks: Array<[string, Promise<Parameters<typeof errorOf>[0]>, number, string]> = [
    ['users not an array', json('PUT', 'dir/update', { users: { uuid: JANA } }), 12, 'users'],
    ['users missing', json('PUT', 'dir/delete', {}), 11, 'users'],
    ['owner not a string', json('PUT', 'dir/delete', { owner: 7 }), 12, 'owner'],
    ['fields not strings', json('POST', 'dir/get', { users: [], fields: [1] }), 12, 'fields'],
    [
      'bad iterator',
      json('POST', 'dir/query', { iterator: { timestamp: 'x' } }),
      12,
      'iterator.timestamp',
    ],
    ['series not a string', json('POST', 'dir/query', { series: 5 }), 12, 'series'],
    ['force not 0/1', json('PUT', 'dir/create?force=2', { users: [{ uuid: JANA }] }), 12, 'force'],
    ['JSON array body', raw('PUT', 'dir/update', '[1,2]'), 12, 'users'],
    ['grantaccess without id', call(`accesspoint/grantaccess?user=${JANA}`), 11, 'id'],
    ['grantaccess id out of range', call(`accesspoint/grantaccess?id=-1&user=${JANA}`), 12, 'id'],
    ['blocking without action', call('accesspoint/blocking/ctrl?id=1'), 11, 'action'],
    ['blocking bad action', call('accesspoint/blocking/ctrl?id=1&action=toggle'), 12, 'action'],
    ['status bad id', call('accesspoint/blocking/status?id=1.5'), 12, 'id'],
    ['subscribe unknown event', call('log/subscribe?filter=Nonsense'), 12, 'filter'],
    ['subscribe bad include', call('log/subscribe?include=-x'), 12, 'include'],
    ['subscribe bad duration', call('log/subscribe?duration=99999'), 12, 'duration'],
    ['pull without id', call('log/pull'), 11, 'id'],
    ['pull bad timeout', call('log/pull?id=1&timeout=-1'), 12, 'timeout'],
  ];
  for (const [what, reply, code, param] of attacks) {
    const error = errorOf(await reply);
    assert.deepEqual([error.code, error.param], [code, param], what);
    assert.ok(error.hint, `${what}: a hint says what to do`);
  }
  assert.deepEqual(device.config.current.directory, before);
  assert.deepEqual(device.access.blockingStatus(), [
    { id: 0, blocked: false },
    { id: 1, blocked: false },
  ]);
});

test('a too-big directory body in a multipart part is refused with its part as param', async (t) => {
  const { call, device } = await apiDevice(t);
  const form = new FormData();
  form.set('blob-dir', new Blob(['{"users":[' + '{},'.repeat(400_000) + '{}]}']), 'users.json');
  const error = errorOf(await call('dir/create', { method: 'PUT', body: form }));
  assert.deepEqual([error.code, error.param], [13, 'blob-dir']);
  assert.equal(device.config.current.directory.users.length, 0);
});

test('per-entry errors of dir/* name the field, and the other entries of the request still apply', async (t) => {
  const { json, device } = await apiDevice(t);
  const reply = resultOf<{ users: Array<{ errors?: Array<{ field: string }> }> }>(
    await json('PUT', 'dir/create', {
      users: [
        { uuid: JANA, access: { pin: '12a4' } },
        { access: { card: ['not-hex!'] } },
        { callPos: 'everyone' },
        { access: { accessPoints: [{ enabled: 'sometimes' }] } },
        { name: 'Valid' },
      ],
    }),
  );
  assert.deepEqual(
    reply.users.map((u) => u.errors?.[0]?.field),
    ['access.pin', 'access.card[0]', 'callPos', 'access.accessPoints[0].enabled', undefined],
  );
  assert.deepEqual(
    device.config.current.directory.users.map((u) => u.name),
    ['Valid'],
  );
});
