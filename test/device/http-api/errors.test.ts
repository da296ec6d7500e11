// 2N HTTP API §2.3: every argument error names the parameter that is wrong, and a refused
// request changes nothing. Attacks on the directory, access point and log functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminWithPassword, basic, startTestDevice, type Envelope } from '../helpers.ts';
import { vendorCall, vendorError, VENDOR_PASS, VENDOR_USER } from './vendor.helpers.ts';
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

test('error codes: unknown path 2, wrong method 3, disabled 4, HTTPS required 7, missing auth 9, privileges 10, parameters 11 and 12', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const admin = await adminWithPassword(url);

  assert.equal(vendorError((await vendorCall(`${url}/api/system/nothing`)).body).code, 2);
  const wrongMethod = await vendorCall(`${url}/api/system/info`, { method: 'DELETE' });
  assert.equal(vendorError(wrongMethod.body).code, 3);
  assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);

  assert.equal(
    (await admin.request('PUT', '/admin/api/http-api/services/switch', { enabled: false })).status,
    204,
  );
  const disabled = vendorError((await vendorCall(`${url}/api/switch/status`)).body);
  assert.equal(disabled.code, 4);
  assert.match(disabled.hint!, /enable it/);
  await admin.request('PUT', '/admin/api/http-api/services/switch', {
    enabled: true,
    connection: 'https',
  });
  assert.equal(vendorError((await vendorCall(`${url}/api/switch/status`)).body).code, 7);
  await admin.request('PUT', '/admin/api/http-api/services/switch', { connection: 'http' });

  const anonymous = await fetch(`${url}/api/switch/status`);
  assert.equal(anonymous.status, 401);
  assert.match(
    anonymous.headers.get('www-authenticate') ?? '',
    /Digest realm="HTTP API".*qop="auth"/,
  );
  assert.equal(vendorError((await anonymous.json()) as Envelope).code, 9);

  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'watcher',
    password: 'watch-pass',
    privileges: ['switch.monitor'],
  });
  const watcher = { authorization: basic('watcher', 'watch-pass') };
  assert.equal(
    (await vendorCall(`${url}/api/switch/status`, { headers: watcher })).body.success,
    true,
  );
  const denied = vendorError(
    (await vendorCall(`${url}/api/switch/ctrl?switch=1&action=on`, { headers: watcher })).body,
  );
  assert.equal(denied.code, 10);
  assert.match(denied.hint!, /switch\.control/);

  assert.deepEqual(
    {
      code: vendorError((await vendorCall(`${url}/api/switch/ctrl?action=on`)).body).code,
      param: vendorError((await vendorCall(`${url}/api/switch/ctrl?action=on`)).body).param,
    },
    { code: 11, param: 'switch' },
  );
  const invalid = vendorError((await vendorCall(`${url}/api/switch/ctrl?switch=9&action=on`)).body);
  assert.deepEqual(
    [invalid.code, invalid.param, invalid.description],
    [12, 'switch', 'invalid parameter value'],
  );
  assert.equal(
    vendorError((await vendorCall(`${url}/api/switch/ctrl?switch=1&action=explode`)).body).code,
    12,
  );
});
