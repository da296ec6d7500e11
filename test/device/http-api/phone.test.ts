import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configToXml, parseConfigXml } from '../../../src/device/config.xml.ts';
import { adminWithPassword, basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.6 api/phone: status and config of the SIP accounts.

const USER = 'integrator';
const PASS = 'api-pass-1';
const SIP_SECRET = 'sip-secret-Zq81';

interface Status {
  account: number;
  accountType: string;
  enabled: boolean;
  sipNumber: string;
  registrationEnabled: boolean;
  registered: boolean;
  registerTime?: number;
}

async function start(t: Parameters<typeof startTestDevice>[0]) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const call = async <T = Record<string, unknown>>(
    path: string,
    init: RequestInit = {},
    authorization = basic(USER, PASS),
  ) => {
    const response = await fetch(`${running.url}${path}`, {
      ...init,
      headers: { authorization, ...(init.headers as Record<string, string>) },
    });
    const text = await response.text();
    return { text, body: JSON.parse(text) as Envelope<T> };
  };
  const putBlob = (json: unknown, authorization?: string) => {
    const form = new FormData();
    form.append(
      'blob-json',
      new Blob([JSON.stringify(json)], { type: 'application/json' }),
      'sip.json',
    );
    return call('/api/phone/config', { method: 'PUT', body: form }, authorization);
  };
  const status = async (query = '') =>
    (
      (await call<{ accounts: Status[] }>(`/api/phone/status${query}`)).body as {
        result: { accounts: Status[] };
      }
    ).result.accounts;
  return { ...running, call, putBlob, status };
}

const errorOf = (body: Envelope) => {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
};

const REGISTERING = {
  account: 1,
  enabled: true,
  displayName: 'Front door',
  sipNumber: '4201',
  domain: 'pbx.example.org',
  domainPort: '5060',
  authId: '4201',
  password: SIP_SECRET,
  registrationEnabled: true,
  registrarAddress: 'pbx.example.org',
  registrarPort: '5060',
};

test('phone/config answers both SIP accounts with the documented fields and no password', async (t) => {
  const { call } = await start(t);
  const { body } = await call('/api/phone/config');
  const account = (n: number) => ({
    account: n,
    enabled: false,
    displayName: '',
    sipNumber: '',
    domain: '',
    domainPort: '',
    authId: '',
    proxyAddress: '',
    proxyPort: '',
    registrationEnabled: false,
    registrarAddress: '',
    registrarPort: '',
    answerMode: '1',
  });
  assert.deepEqual(body, { success: true, result: { accounts: [account(1), account(2)] } });
  const one = await call<{ accounts: unknown[] }>('/api/phone/config?account=2');
  assert.deepEqual((one.body as { result: { accounts: unknown[] } }).result.accounts, [account(2)]);
});

test('PUT phone/config with blob-json sets the fields given; phone/status then shows the account registered', async (t) => {
  const { call, putBlob, status } = await start(t);
  assert.deepEqual((await status())[0], {
    account: 1,
    accountType: 'general',
    enabled: false,
    sipNumber: '',
    registrationEnabled: false,
    registered: false,
  });
  assert.deepEqual((await putBlob({ accounts: [REGISTERING] })).body, { success: true });
  const [first, second] = await status();
  assert.equal(first!.registered, true);
  assert.equal(first!.sipNumber, '4201');
  assert.ok(Math.abs(first!.registerTime! - Date.now() / 1000) < 5);
  assert.equal(second!.registered, false);
  // Only the fields given change: a later update of the display name keeps the rest.
  await putBlob({ accounts: [{ account: 1, displayName: 'Back door' }] });
  const config = (
    await call<{ accounts: Array<Record<string, unknown>> }>('/api/phone/config?account=1')
  ).body as { result: { accounts: Array<Record<string, unknown>> } };
  assert.equal(config.result.accounts[0]!.displayName, 'Back door');
  assert.equal(config.result.accounts[0]!.sipNumber, '4201');
  assert.equal(config.result.accounts[0]!.registrarAddress, 'pbx.example.org');
  assert.deepEqual(await status('?account=1'), [first]);
});

test('a plain application/json body is accepted as well as blob-json', async (t) => {
  const { call, status } = await start(t);
  const { body } = await call('/api/phone/config', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accounts: [{ ...REGISTERING, account: 2 }] }),
  });
  assert.deepEqual(body, { success: true });
  assert.equal((await status('?account=2'))[0]!.registered, true);
});

test('the SIP password is never answered: not by phone/config, phone/status, or the admin API', async (t) => {
  const { url, call, putBlob } = await start(t);
  await putBlob({ accounts: [REGISTERING] });
  for (const path of ['/api/phone/config', '/api/phone/config?account=1', '/api/phone/status']) {
    const { text } = await call(path);
    assert.doesNotMatch(text, new RegExp(SIP_SECRET), path);
    assert.doesNotMatch(text, /"password"/, path);
  }
  const admin = await adminWithPassword(url);
  const config = await admin.request('GET', '/admin/api/config');
  assert.doesNotMatch(await config.text(), new RegExp(SIP_SECRET));
});

test('registration changes raise RegistrationStateChanged: registered, and unregistered when disabled', async (t) => {
  const { call, putBlob } = await start(t);
  const { body } = await call<{ id: number }>('/api/log/subscribe?filter=RegistrationStateChanged');
  const id = (body as { result: { id: number } }).result.id;
  await putBlob({ accounts: [REGISTERING] });
  await putBlob({ accounts: [{ account: 1, displayName: 'no new registration' }] });
  await putBlob({ accounts: [{ account: 1, enabled: false }] });
  const pulled = await call<{ events: Array<{ event: string; params: unknown }> }>(
    `/api/log/pull?id=${id}`,
  );
  const events = (pulled.body as { result: { events: Array<{ event: string; params: unknown }> } })
    .result.events;
  assert.deepEqual(
    events.map((e) => [e.event, e.params]),
    [
      ['RegistrationStateChanged', { sipAccount: 1, state: 'registered' }],
      ['RegistrationStateChanged', { sipAccount: 1, state: 'unregistered' }],
    ],
  );
});

test('changing PUT phone/config needs phone.control; reading needs phone.monitor', async (t) => {
  const { url, call, putBlob } = await start(t);
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/accounts/2', {
    username: 'watcher',
    password: 'watcher-pass-1',
    privileges: ['phone.monitor'],
  });
  const watcher = basic('watcher', 'watcher-pass-1');
  assert.equal((await call('/api/phone/config', {}, watcher)).body.success, true);
  assert.equal(errorOf((await putBlob({ accounts: [REGISTERING] }, watcher)).body).code, 10);
  const config = (await call<{ accounts: Array<{ enabled: boolean }> }>('/api/phone/config'))
    .body as {
    result: { accounts: Array<{ enabled: boolean }> };
  };
  assert.equal(config.result.accounts[0]!.enabled, false);
});

test('attack: malformed SIP configurations are refused with the param that is wrong; nothing changes', async (t) => {
  const { call, putBlob } = await start(t);
  const before = (await call('/api/phone/config')).text;
  const cases: Array<[unknown, number, string]> = [
    [{}, 11, 'accounts'],
    [{ accounts: 'all' }, 12, 'accounts'],
    [{ accounts: [] }, 12, 'accounts'],
    [{ accounts: [{ sipNumber: '1' }] }, 11, 'accounts[0].account'],
    [{ accounts: [{ account: 3 }] }, 12, 'accounts[0].account'],
    [{ accounts: [{ account: 1 }, { account: 1 }] }, 12, 'accounts[1].account'],
    [{ accounts: [{ account: 1, enabled: 'maybe' }] }, 12, 'accounts[0].enabled'],
    [{ accounts: [{ account: 1, domainPort: '70000' }] }, 12, 'accounts[0].domainPort'],
    [{ accounts: [{ account: 1, domain: 'bad host/..' }] }, 12, 'accounts[0].domain'],
    [{ accounts: [{ account: 1, sipNumber: '<script>' }] }, 12, 'accounts[0].sipNumber'],
    [{ accounts: [{ account: 1, password: 'x'.repeat(65) }] }, 12, 'accounts[0].password'],
    [
      {
        accounts: [
          { account: 2, enabled: true },
          { account: 1, answerMode: 'always' },
        ],
      },
      12,
      'accounts[1].answerMode',
    ],
  ];
  for (const [json, code, param] of cases) {
    const error = errorOf((await putBlob(json)).body);
    assert.deepEqual([error.code, error.param], [code, param], JSON.stringify(json));
  }
  const form = new FormData();
  form.append('blob-json', '{not json');
  const broken = errorOf((await call('/api/phone/config', { method: 'PUT', body: form })).body);
  assert.deepEqual([broken.code, broken.param], [12, 'blob-json']);
  assert.equal((await call('/api/phone/config')).text, before);
  const status = errorOf((await call('/api/phone/status?account=3')).body);
  assert.deepEqual([status.code, status.param], [12, 'account']);
});

test('the SIP accounts are kept in config.xml, and an older config.xml without them still loads', async (t) => {
  const { device, putBlob } = await start(t);
  await putBlob({ accounts: [REGISTERING] });
  const xml = configToXml(device.config.current);
  const reread = parseConfigXml(xml);
  assert.ok(reread.ok);
  assert.equal(reread.value.phone.accounts[0]!.password, SIP_SECRET);
  const older = parseConfigXml(xml.replace(/\s*<Phone>[\s\S]*<\/Phone>/, ''));
  assert.ok(older.ok, older.ok ? '' : older.message);
  assert.equal(older.value.phone.accounts.length, 2);
  assert.equal(older.value.phone.accounts[0]!.enabled, false);
});

test('a device started with a configured SIP account registers it after startup', async (t) => {
  const first = await start(t);
  await first.putBlob({ accounts: [REGISTERING] });
  await first.close();
  const again = await startTestDevice(t, {
    identity: first.identity,
    dataDir: first.dataDir,
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const subscribe = await fetch(`${again.url}/api/log/subscribe?include=-3600`, {
    headers: { authorization: basic(USER, PASS) },
  });
  const { id } = ((await subscribe.json()) as { result: { id: number } }).result;
  const pulled = await fetch(`${again.url}/api/log/pull?id=${id}`, {
    headers: { authorization: basic(USER, PASS) },
  });
  const events = (
    (await pulled.json()) as { result: { events: Array<{ event: string; params: unknown }> } }
  ).result.events.map((e) => [e.event, e.params]);
  assert.deepEqual(events.slice(0, 2), [
    ['DeviceState', { state: 'startup' }],
    ['RegistrationStateChanged', { sipAccount: 1, state: 'registered' }],
  ]);
  assert.equal(again.device.phone.status(1)[0]!.registered, true);
});
