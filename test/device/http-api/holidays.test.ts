import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CONFIG_FILE } from '../../../src/device/config.store.ts';
import { MAX_HOLIDAYS } from '../../../src/device/holidays.service.ts';
import { basic, startTestDevice, type Envelope, type TestIdentity } from '../helpers.ts';

// 2N HTTP API §5.3.3 api/config/holidays: the bank holiday calendar.

const USER = 'integrator';
const PASS = 'api-pass-1';
const auth = { authorization: basic(USER, PASS) };

/** `again`: the same device (identity and data folder) started once more. */
async function start(t: TestContext, again?: { dataDir: string; identity: TestIdentity }) {
  const running = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
    ...(again && { dataDir: again.dataDir, identity: again.identity }),
  });
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${running.url}/api/${path}`, {
      ...init,
      headers: { ...auth, ...(init.headers as Record<string, string>) },
    });
    return (await response.json()) as Envelope<{ dates: string[] }>;
  };
  /** §5.3.3 PUT: the JSON as the multipart field blob-json. */
  const put = (json: unknown) => {
    const form = new FormData();
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    form.append('blob-json', new Blob([text], { type: 'application/json' }), 'holidays.json');
    return call('config/holidays', { method: 'PUT', body: form });
  };
  const dates = async () => ok(await call('config/holidays')).dates;
  return { ...running, call, put, dates };
}

function ok<T>(body: Envelope<T>): T {
  assert.equal(body.success, true, JSON.stringify(body));
  return (body as { result: T }).result;
}

function error(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}

test('config/holidays is empty on a new device; PUT blob-json sets the dates GET then shows', async (t) => {
  const { put, dates } = await start(t);
  assert.deepEqual(await dates(), []);
  assert.deepEqual(await put({ dates: ['01/01', '24/12', '01/04/2018'] }), { success: true });
  assert.deepEqual(await dates(), ['01/01', '24/12', '01/04/2018']);
  // PUT replaces the calendar; the same date twice is one holiday.
  ok(await put({ dates: ['29/02', '29/02/2028', '29/02'] }));
  assert.deepEqual(await dates(), ['29/02', '29/02/2028']);
  ok(await put({ dates: [] }));
  assert.deepEqual(await dates(), []);
});

test('config/holidays PUT also takes blob-json as a form field or the JSON as the body', async (t) => {
  const { call, dates } = await start(t);
  ok(
    await call('config/holidays', {
      method: 'PUT',
      body: new URLSearchParams({ 'blob-json': '{"dates":["06/07"]}' }),
    }),
  );
  assert.deepEqual(await dates(), ['06/07']);
  ok(
    await call('config/holidays', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"dates":["28/10"]}',
    }),
  );
  assert.deepEqual(await dates(), ['28/10']);
});

test('the calendar survives a restart of the process and travels in the configuration backup and restore', async (t) => {
  const first = await start(t);
  ok(await first.put({ dates: ['17/11', '01/05/2027'] }));
  const backup = await (await fetch(`${first.url}/api/config`, { headers: auth })).text();
  assert.match(
    backup,
    /<Holidays>\s*<Date>17\/11<\/Date>\s*<Date>01\/05\/2027<\/Date>\s*<\/Holidays>/,
  );
  await first.close();

  const second = await start(t, first);
  assert.deepEqual(await second.dates(), ['17/11', '01/05/2027']);
  ok(await second.put({ dates: [] }));
  const form = new FormData();
  form.append('blob-cfg', new Blob([backup]), 'config.xml');
  ok(await second.call('config', { method: 'PUT', body: form }));
  assert.deepEqual(await second.dates(), ['17/11', '01/05/2027']);
});

test('an older config.xml without <Holidays> still starts, with an empty calendar', async (t) => {
  const first = await start(t);
  ok(await first.put({ dates: ['24/12'] }));
  await first.close();
  const file = join(first.dataDir, CONFIG_FILE);
  const xml = await readFile(file, 'utf8');
  const older = xml.replace(/\s*<Holidays>[\s\S]*?<\/Holidays>/, '');
  assert.doesNotMatch(older, /Holidays/);
  await writeFile(file, older);
  const second = await start(t, first);
  assert.deepEqual(await second.dates(), []);
});

test('config/holidays needs system.control', async (t) => {
  const { url, device } = await start(t);
  await device.accounts.provisionIntegratorAccount('other', 'other-pass-1');
  const other = device.accounts.apiAccounts().find((a) => a.username === 'other')!;
  await device.config.update('test: phone-only account', (draft) => {
    draft.httpApi.accounts.find((a) => a.id === other.id)!.privileges = ['phone.monitor'];
  });
  const response = await fetch(`${url}/api/config/holidays`, {
    headers: { authorization: basic('other', 'other-pass-1') },
  });
  assert.equal(error((await response.json()) as Envelope).code, 10);
});

test('attack: malformed calendars are refused with the param that is wrong; the calendar stays as it was', async (t) => {
  const { call, put, dates } = await start(t);
  ok(await put({ dates: ['24/12'] }));
  const cases: Array<[unknown, number, string]> = [
    ['{"dates": [', 12, 'blob-json'],
    [[], 12, 'blob-json'],
    [{ days: ['24/12'] }, 12, 'blob-json'],
    [{ dates: '24/12' }, 12, 'blob-json'],
    [{ dates: ['24/12', '31/02'] }, 12, 'dates[1]'],
    [{ dates: ['29/02/2027'] }, 12, 'dates[0]'],
    [{ dates: ['00/01'] }, 12, 'dates[0]'],
    [{ dates: ['01/13'] }, 12, 'dates[0]'],
    [{ dates: ['1/1'] }, 12, 'dates[0]'],
    [{ dates: ['2018-04-01'] }, 12, 'dates[0]'],
    [{ dates: ['01/04/18'] }, 12, 'dates[0]'],
    [{ dates: ['01/04/1900'] }, 12, 'dates[0]'],
    [{ dates: [' 01/04'] }, 12, 'dates[0]'],
    [{ dates: [101] }, 12, 'dates[0]'],
    [{ dates: [null] }, 12, 'dates[0]'],
    [{ dates: Array.from({ length: MAX_HOLIDAYS + 1 }, () => '01/01') }, 12, 'dates'],
    ['x'.repeat(65 * 1024), 13, 'blob-json'],
  ];
  for (const [json, code, param] of cases) {
    const failure = error(await put(json));
    assert.deepEqual(
      [failure.code, failure.param],
      [code, param],
      JSON.stringify(json).slice(0, 60),
    );
  }
  const missing = error(await call('config/holidays', { method: 'PUT' }));
  assert.deepEqual([missing.code, missing.param], [11, 'blob-json']);
  assert.deepEqual(await dates(), ['24/12']);
  assert.equal(error(await call('config/holidays', { method: 'DELETE' })).code, 3);
});
