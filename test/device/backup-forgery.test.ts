import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basic, startTestDevice, type Envelope } from './helpers.ts';

const USER = 'integrator';
const PASS = 'api-pass-1';
const BACKUP_PASSWORD = 'backup-pass-1';
const auth = { authorization: basic(USER, PASS) };

async function restore(url: string, file: Buffer | string, password?: string) {
  const form = new FormData();
  form.append('blob-cfg', new Blob([file]), 'config.bak');
  if (password !== undefined) form.append('password', password);
  const response = await fetch(`${url}/api/config`, { method: 'PUT', body: form, headers: auth });
  return { status: response.status, body: (await response.json()) as Envelope };
}

const errorCode = (body: Envelope) => (body.success ? 0 : body.error.code);

test('forged scrypt parameters, prototype names, deep nesting and garbage are refused as damaged backups and change nothing', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const genuine = (await device.maintenance.backup(BACKUP_PASSWORD)).body;
  const xml = (await device.maintenance.backup()).body.toString('utf8');
  const before = JSON.stringify(device.config.current);

  const forged = (log2N: number, r: number, p: number) => {
    const file = Buffer.from(genuine);
    file[5] = log2N;
    file[6] = r;
    file[7] = p;
    return file;
  };
  const cases: Record<string, Buffer | string> = {
    'huge N': forged(40, 8, 1),
    'over the memory limit': forged(20, 16, 1),
    'more parallel rounds': forged(15, 8, 255),
    'cheaper parameters': forged(10, 8, 1),
    'prototype element': xml.replace('<Network>', '<Network><__proto__><Dhcp>1</Dhcp></__proto__>'),
    'prototype attribute': xml.replace('<Network>', '<Network __proto__="x">'),
    'constructor element': xml.replace('<Audio>', '<Audio><constructor>1</constructor>'),
    'deep nesting': xml.replace(
      '<Network>',
      `<Network>${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}`,
    ),
    'truncated encrypted file': genuine.subarray(0, 40),
    'truncated XML': xml.slice(0, 300),
    garbage: Buffer.from('LKBK\x01\x0f\x08\x01 not really a backup at all, just noise'),
    'random bytes': Buffer.alloc(4096, 0xa5),
  };
  for (const [name, file] of Object.entries(cases)) {
    const answer = await restore(url, file, BACKUP_PASSWORD);
    assert.equal(answer.status, 200, name);
    assert.equal(errorCode(answer.body), 12, `${name}: ${JSON.stringify(answer.body)}`);
    assert.ok(!answer.body.success && answer.body.error.description.length > 20, name);
    assert.equal(JSON.stringify(device.config.current), before, `${name} changed nothing`);
    assert.equal(({} as Record<string, unknown>).Dhcp, undefined, `${name} polluted no prototype`);
  }
  assert.equal(errorCode((await restore(url, genuine, BACKUP_PASSWORD)).body), 0);
});

test('the device answers other requests while a restore derives its key', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
  });
  const file = (await device.maintenance.backup(BACKUP_PASSWORD)).body;
  let restoreDone = false;
  const restoring = restore(url, file, BACKUP_PASSWORD).then((answer) => {
    restoreDone = true;
    return answer;
  });
  let answeredDuringRestore = 0;
  while (!restoreDone) {
    const ping = await fetch(`${url}/api/system/info`, { headers: auth });
    assert.equal(ping.status, 200);
    await ping.arrayBuffer();
    if (!restoreDone) answeredDuringRestore += 1;
  }
  assert.equal(errorCode((await restoring).body), 0);
  assert.ok(answeredDuringRestore > 0, 'a request was answered before the restore finished');
});
