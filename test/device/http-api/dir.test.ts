// 2N HTTP API §5.14 api/dir: the directory as integrations (My2N sync, Home Assistant) use it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiDevice, errorOf, resultOf } from './api-dir.helpers.ts';

type Users = { series: string; users: Array<Record<string, unknown>> };
type Written = {
  series: string;
  users: Array<{
    uuid?: string;
    timestamp?: number;
    errors?: Array<{ field: string; code: string }>;
    warnings?: Array<{ field: string; code: string }>;
  }>;
};

const JANA = '01234567-89AB-CDEF-0123-456789ABCDEF';
const PETR = '76543210-68FF-18CA-3210-FEDCBA987654';

test('dir/template answers every field of an entry at its default, by GET and POST', async (t) => {
  const { call } = await apiDevice(t);
  for (const method of ['GET', 'POST']) {
    const template = resultOf<Users>(await call('dir/template', { method }));
    assert.match(template.series, /^\d+$/);
    assert.deepEqual(template.users, [
      {
        uuid: '',
        deleted: false,
        owner: '',
        name: '',
        email: '',
        treepath: '/',
        virtNumber: '',
        deputy: '',
        callPos: [
          { peer: '', grouped: false },
          { peer: '', grouped: false },
          { peer: '', grouped: false },
        ],
        access: {
          pin: '',
          card: [],
          code: [],
          validFrom: '0',
          validTo: '0',
          accessPoints: [{ enabled: true }, { enabled: true }],
        },
      },
    ]);
  }
});

test('dir/get without fields answers only the fields that differ from the template', async (t) => {
  const { json } = await apiDevice(t);
  const created = resultOf<Written>(
    await json('PUT', 'dir/create', {
      users: [
        {
          uuid: JANA,
          name: 'Jana',
          callPos: [{}, { peer: 'sip:200@pbx' }],
          access: { pin: '1234' },
        },
      ],
    }),
  );
  assert.equal(created.users[0]!.uuid, JANA);
  const got = resultOf<Users>(await json('POST', 'dir/get', { users: [{ uuid: JANA }] }));
  assert.deepEqual(got.users, [
    { uuid: JANA, name: 'Jana', callPos: [{}, { peer: 'sip:200@pbx' }], access: { pin: '1234' } },
  ]);
});

test('dir/get takes dotted and indexed field names and ignores unknown ones', async (t) => {
  const { json } = await apiDevice(t);
  resultOf(
    await json('PUT', 'dir/create', {
      users: [
        {
          uuid: JANA,
          name: 'Jana',
          email: 'jana@example.com',
          callPos: [{ peer: '100' }, { peer: '200', grouped: true }],
          access: { pin: '1234', card: ['0A1B2C3D'] },
        },
      ],
    }),
  );
  const got = resultOf<Users>(
    await json('POST', 'dir/get', {
      fields: ['name', 'access.pin', 'callPos.peer', 'callPos[1].grouped', 'albert', 'x[1'],
      users: [{ uuid: JANA }],
    }),
  );
  assert.deepEqual(got.users, [
    {
      uuid: JANA,
      name: 'Jana',
      access: { pin: '1234' },
      callPos: [{ peer: '100' }, { peer: '200', grouped: true }, { peer: '' }],
    },
  ]);
  const everything = resultOf<Users>(
    await json('POST', 'dir/get', { fields: [], users: [{ uuid: JANA }] }),
  );
  assert.equal((everything.users[0]!.access as { card: string[] }).card[0], '0A1B2C3D');
  assert.equal(everything.users[0]!.treepath, '/');
});

test('dir/get without users, or with an empty list, answers an empty list', async (t) => {
  const { json } = await apiDevice(t);
  assert.deepEqual(resultOf<Users>(await json('POST', 'dir/get', {})).users, []);
  assert.deepEqual(resultOf<Users>(await json('POST', 'dir/get', { users: [] })).users, []);
});

test('dir/get reports an unknown or malformed uuid per entry and still answers the others', async (t) => {
  const { json } = await apiDevice(t);
  resultOf(await json('PUT', 'dir/create', { users: [{ uuid: JANA, name: 'Jana' }] }));
  const got = resultOf<Users>(
    await json('POST', 'dir/get', {
      fields: ['name'],
      users: [{ uuid: JANA }, { uuid: PETR }, { uuid: '76543210-68FF-18-3210-FEDCBA987654' }],
    }),
  );
  assert.deepEqual(got.users, [
    { uuid: JANA, name: 'Jana' },
    {
      uuid: PETR,
      errors: [
        { field: 'uuid', code: 'EDIR_UUID_NOT_FOUND', description: 'No entry has this uuid.' },
      ],
    },
    {
      errors: [
        { field: 'uuid', code: 'EDIR_UUID_INVALID', description: 'Give the uuid of an entry.' },
      ],
    },
  ]);
});

test('dir/update sets only the fields given: the PIN, cards and access points are kept', async (t) => {
  const { json } = await apiDevice(t);
  resultOf(
    await json('PUT', 'dir/create', {
      users: [
        {
          uuid: JANA,
          name: 'Jana',
          access: {
            pin: '1234',
            card: ['0A1B2C3D'],
            accessPoints: [{ enabled: true }, { enabled: false }],
          },
        },
      ],
    }),
  );
  const updated = resultOf<Written>(
    await json('PUT', 'dir/update', {
      users: [{ uuid: JANA, name: 'Jana N.', access: { validTo: '2000000000' } }],
    }),
  );
  assert.equal(updated.users[0]!.uuid, JANA);
  assert.equal(typeof updated.users[0]!.timestamp, 'number');
  const got = resultOf<Users>(await json('POST', 'dir/get', { users: [{ uuid: JANA }] }));
  assert.deepEqual(got.users[0], {
    uuid: JANA,
    name: 'Jana N.',
    access: {
      pin: '1234',
      card: ['0A1B2C3D'],
      validTo: '2000000000',
      accessPoints: [{}, { enabled: false }],
    },
  });
});

test('dir/update accepts dotted keys and warns about unknown fields without refusing', async (t) => {
  const { json } = await apiDevice(t);
  resultOf(await json('PUT', 'dir/create', { users: [{ uuid: JANA }] }));
  const updated = resultOf<Written>(
    await json('PUT', 'dir/update', {
      users: [{ uuid: JANA, 'access.pin': '4321', albert: 'einstein' }],
    }),
  );
  assert.deepEqual(updated.users[0]!.warnings, [
    { field: 'albert', code: 'EDIR_FIELD_UNKNOWN', description: 'unknown field, ignored' },
  ]);
  const got = resultOf<Users>(
    await json('POST', 'dir/get', { fields: ['access.pin'], users: [{ uuid: JANA }] }),
  );
  assert.deepEqual(got.users[0], { uuid: JANA, access: { pin: '4321' } });
});

test('dir/update refuses a bad value per entry, names the field and changes nothing of that entry', async (t) => {
  const { json } = await apiDevice(t);
  resultOf(
    await json('PUT', 'dir/create', {
      users: [{ uuid: JANA, name: 'Jana', access: { pin: '1234' } }, { uuid: PETR }],
    }),
  );
  const updated = resultOf<Written>(
    await json('PUT', 'dir/update', {
      users: [
        { uuid: JANA, name: 'Changed', 'access.pin': 'hello' },
        { uuid: PETR, name: 'Petr' },
        { uuid: '01234567-89A-CDEF-0123-456789ABCDEF', name: 'x' },
      ],
    }),
  );
  assert.equal(updated.users[0]!.errors![0]!.field, 'access.pin');
  assert.equal(updated.users[0]!.errors![0]!.code, 'EDIR_FIELD_INVALID');
  assert.equal(typeof updated.users[1]!.timestamp, 'number');
  assert.equal(updated.users[2]!.errors![0]!.code, 'EDIR_UUID_INVALID');
  const got = resultOf<Users>(
    await json('POST', 'dir/get', {
      fields: ['name', 'access.pin'],
      users: [{ uuid: JANA }, { uuid: PETR }],
    }),
  );
  assert.deepEqual(got.users, [
    { uuid: JANA, name: 'Jana', access: { pin: '1234' } },
    { uuid: PETR, name: 'Petr', access: { pin: '' } },
  ]);
});

test('dir/update of an entry that does not exist is refused for that entry', async (t) => {
  const { json } = await apiDevice(t);
  const updated = resultOf<Written>(
    await json('PUT', 'dir/update', { users: [{ uuid: JANA, name: 'x' }] }),
  );
  assert.equal(updated.users[0]!.errors![0]!.code, 'EDIR_UUID_NOT_FOUND');
  assert.deepEqual(errorOf(await json('PUT', 'dir/update', {})), {
    code: 11,
    param: 'users',
    description: 'missing mandatory parameter',
    hint: 'Send {"users": [{"uuid": …}, …]} (see /api/dir/template).',
  });
});

test('dir/create refuses an existing uuid without force, and with force=1 resets the rest', async (t) => {
  const { json } = await apiDevice(t);
  resultOf(
    await json('PUT', 'dir/create', {
      users: [{ uuid: JANA, name: 'Jana', email: 'j@example.com' }],
    }),
  );
  const again = resultOf<Written>(
    await json('PUT', 'dir/create', { users: [{ uuid: JANA, name: 'dup' }] }),
  );
  assert.equal(again.users[0]!.errors![0]!.code, 'EDIR_UUID_ALREADY_EXISTS');
  resultOf(await json('PUT', 'dir/create?force=1', { users: [{ uuid: JANA, name: 'Forced' }] }));
  const got = resultOf<Users>(await json('POST', 'dir/get', { users: [{ uuid: JANA }] }));
  assert.deepEqual(got.users[0], { uuid: JANA, name: 'Forced' });
  assert.equal(errorOf(await json('PUT', 'dir/create?force=maybe', { users: [] })).param, 'force');
});

test('dir/create makes an empty entry with a new uuid for an empty object', async (t) => {
  const { json } = await apiDevice(t);
  const created = resultOf<Written>(await json('PUT', 'dir/create', { users: [{}] }));
  assert.match(
    created.users[0]!.uuid!,
    /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
  );
  assert.deepEqual(resultOf<Written>(await json('PUT', 'dir/create', {})).users, []);
});

test('an over-long value is refused with the field, and nothing is stored', async (t) => {
  const { json, device } = await apiDevice(t);
  const created = resultOf<Written>(
    await json('PUT', 'dir/create', { users: [{ uuid: JANA, email: 'x'.repeat(300) }] }),
  );
  assert.equal(created.users[0]!.errors![0]!.field, 'email');
  const tooMany = resultOf<Written>(
    await json('PUT', 'dir/create', {
      users: [{ uuid: PETR, callPos: [{}, {}, {}, { peer: 'x' }] }],
    }),
  );
  assert.equal(tooMany.users[0]!.errors![0]!.field, 'callPos[3]');
  assert.equal(device.config.current.directory.users.length, 0);
  assert.equal(errorOf(await json('PUT', 'dir/create', { users: 'all' })).param, 'users');
  assert.equal(
    errorOf(await json('POST', 'dir/get', { users: [], fields: 'name' })).param,
    'fields',
  );
});

test('dir/delete by uuid or by owner, and dir/query reports deleted entries after the iterator', async (t) => {
  const { json } = await apiDevice(t);
  const created = resultOf<Written>(
    await json('PUT', 'dir/create', {
      users: [
        { uuid: JANA, name: 'Jana', owner: 'My2N' },
        { uuid: PETR, name: 'Petr' },
      ],
    }),
  );
  const before = created.users[1]!.timestamp!;
  const byOwner = resultOf<Written>(await json('PUT', 'dir/delete', { owner: 'My2N' }));
  assert.equal(byOwner.users[0]!.uuid, JANA);
  assert.deepEqual(
    resultOf<Written>(await json('PUT', 'dir/delete', { owner: 'nobody' })).users,
    [],
  );
  const query = resultOf<Users & { iterator: { timestamp: number } }>(
    await json('POST', 'dir/query', {
      series: created.series,
      iterator: { timestamp: before },
      fields: ['name'],
    }),
  );
  assert.deepEqual(query.users, [{ uuid: JANA, deleted: true }]);
  assert.equal(query.iterator.timestamp, byOwner.users[0]!.timestamp);
  const missing = resultOf<Written>(await json('PUT', 'dir/delete', { users: [{ uuid: JANA }] }));
  assert.equal(missing.users[0]!.errors![0]!.code, 'EDIR_UUID_NOT_FOUND');
  assert.equal(errorOf(await json('PUT', 'dir/delete', {})).code, 11);
});

test('dir/query returns the entries changed since the iterator, and nothing for another series', async (t) => {
  const { json } = await apiDevice(t);
  const first = resultOf<Written>(
    await json('PUT', 'dir/create', { users: [{ uuid: JANA, name: 'Jana' }] }),
  );
  resultOf(await json('PUT', 'dir/create', { users: [{ uuid: PETR, name: 'Petr' }] }));
  const all = resultOf<Users>(await json('POST', 'dir/query', {}));
  assert.deepEqual(all.users, [
    { uuid: JANA, name: 'Jana' },
    { uuid: PETR, name: 'Petr' },
  ]);
  const since = resultOf<Users>(
    await json('POST', 'dir/query', {
      iterator: { timestamp: first.users[0]!.timestamp },
      fields: ['name'],
    }),
  );
  assert.deepEqual(since.users, [{ uuid: PETR, name: 'Petr' }]);
  const other = resultOf<Users & { iterator: { timestamp: number } }>(
    await json('POST', 'dir/query', { series: '42', iterator: { timestamp: 0 } }),
  );
  assert.equal(other.series, first.series);
  assert.deepEqual(other.users, []);
  assert.equal(
    errorOf(await json('POST', 'dir/query', { iterator: { timestamp: -1 } })).param,
    'iterator.timestamp',
  );
});

test('a dir request is accepted as a multipart part, as a file part or a text part', async (t) => {
  const { call } = await apiDevice(t);
  const asFile = new FormData();
  asFile.set(
    'blob-dir',
    new Blob([JSON.stringify({ users: [{ uuid: JANA, name: 'Jana' }] })], {
      type: 'application/json',
    }),
    'users.json',
  );
  const created = resultOf<Written>(await call('dir/create', { method: 'PUT', body: asFile }));
  assert.equal(created.users[0]!.uuid, JANA);
  const asText = new FormData();
  asText.set('data', JSON.stringify({ fields: ['name'], users: [{ uuid: JANA }] }));
  const got = resultOf<Users>(await call('dir/get', { method: 'POST', body: asText }));
  assert.deepEqual(got.users, [{ uuid: JANA, name: 'Jana' }]);
  const broken = new FormData();
  broken.set('blob-dir', new Blob(['{not json']), 'users.json');
  assert.equal(
    errorOf(await call('dir/update', { method: 'PUT', body: broken })).param,
    'blob-dir',
  );
});

test('the directory with its new fields survives a restart of the device', async (t) => {
  const { json, device } = await apiDevice(t);
  resultOf(
    await json('PUT', 'dir/create', {
      users: [
        {
          uuid: JANA,
          owner: 'My2N',
          deputy: PETR,
          callPos: [{ peer: '100', grouped: true }],
          access: { validFrom: '1700000000', accessPoints: [{ enabled: false }] },
        },
      ],
    }),
  );
  resultOf(await json('PUT', 'dir/delete', { users: [{ uuid: JANA }] }));
  resultOf(
    await json('PUT', 'dir/create', {
      users: [
        {
          uuid: PETR,
          owner: 'My2N',
          callPos: [{ peer: '1', grouped: true }],
          access: { validTo: '1800000000', accessPoints: [{}, { enabled: false }] },
        },
      ],
    }),
  );
  const before = structuredClone(device.config.current.directory);
  const { configToXml, parseConfigXml } = await import('../../../src/device/config.xml.ts');
  const read = parseConfigXml(configToXml(device.config.current));
  assert.ok(read.ok, JSON.stringify(read));
  assert.deepEqual(read.value.directory, before);
});

test('a config.xml written before the new directory fields still reads, with their defaults', async (t) => {
  const { json, device } = await apiDevice(t);
  resultOf(await json('PUT', 'dir/create', { users: [{ uuid: JANA, name: 'Jana' }] }));
  const { configToXml, parseConfigXml } = await import('../../../src/device/config.xml.ts');
  const old = structuredClone(device.config.current);
  delete old.directory.series;
  delete old.directory.deleted;
  const xml = configToXml(old);
  assert.doesNotMatch(xml, /Series=|<Deleted|Owner=|ValidFrom=|<AccessPoint/);
  const read = parseConfigXml(xml);
  assert.ok(read.ok, JSON.stringify(read));
  assert.deepEqual(read.value.directory, old.directory);
  assert.equal(read.value.directory.series, undefined);
});
