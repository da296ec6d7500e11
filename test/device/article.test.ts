import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { matchSecurityCode, parseSecurityCode } from '../../src/core/security-code.rules.ts';
import { parseSerialNumber } from '../../src/core/serial.rules.ts';
import { AdminClient, adminWithPassword, startTestDevice } from './helpers.ts';

// The device-side steps of the support article "Cannot add a device to My2N / move a device to
// a different My2N account", rehearsed against a running emulator over HTTP.

test('the factory login admin/2n works but every action except the password change is refused', async (t) => {
  const { url } = await startTestDevice(t);
  const admin = new AdminClient(url);
  const wrong = await admin.login('wrong-password');
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.error!.message, /admin \/ 2n/);

  const login = await admin.login('2n');
  assert.equal(login.status, 200);
  assert.equal(login.body.mustChangePassword, true);

  for (const [method, path] of [
    ['GET', '/admin/api/security-code'],
    ['POST', '/admin/api/security-code/generate'],
    ['POST', '/admin/api/backup'],
    ['POST', '/admin/api/factory-reset'],
  ] as const) {
    const refused = await admin.json<{ error: { code: string; message: string } }>(
      method,
      path,
      method === 'POST' ? {} : undefined,
    );
    assert.equal(refused.status, 403, `${method} ${path}`);
    assert.equal(refused.body.error.code, 'PASSWORD_CHANGE_REQUIRED');
    assert.match(refused.body.error.message, /Change it first/);
  }

  const tooShort = await admin.json<{ error: { message: string } }>('POST', '/admin/api/password', {
    currentPassword: '2n',
    newPassword: 'short',
  });
  assert.equal(tooShort.status, 400);
  assert.match(tooShort.body.error.message, /at least 8 characters/);
  const same = await admin.json<{ error: { message: string } }>('POST', '/admin/api/password', {
    currentPassword: '2n',
    newPassword: '2n',
  });
  assert.equal(same.status, 400);
  assert.match(same.body.error.message, /factory password/);

  const changed = await admin.request('POST', '/admin/api/password', {
    currentPassword: '2n',
    newPassword: 'installer-pass-1',
  });
  assert.equal(changed.status, 204);
  const code = await admin.json('GET', '/admin/api/security-code');
  assert.equal(code.status, 200);

  const again = new AdminClient(url);
  assert.equal((await again.login('2n')).status, 401, 'the factory password no longer works');
  assert.equal((await again.login('installer-pass-1')).body.mustChangePassword, false);
});

test('a change without the CSRF token is refused', async (t) => {
  const { url } = await startTestDevice(t, { adminPassword: 'installer-pass-1' });
  const admin = new AdminClient(url);
  await admin.login('installer-pass-1');
  const response = await fetch(`${url}/admin/api/security-code/generate`, {
    method: 'POST',
    headers: { cookie: admin.cookie },
  });
  assert.equal(response.status, 403);
  assert.equal(
    ((await response.json()) as { error: { code: string } }).error.code,
    'CSRF_TOKEN_INVALID',
  );
});

test('Generate New shows a new security code and the old one no longer verifies', async (t) => {
  const { url, identity, dataDir } = await startTestDevice(t);
  const admin = await adminWithPassword(url);
  const secret = Buffer.from(identity.secret, 'hex');
  const serial = parseSerialNumber(identity.serialNumber);
  assert.ok(serial.ok);

  const before = await admin.json<{
    serialNumber: string;
    securityCode: string;
    generation: number;
  }>('GET', '/admin/api/security-code');
  assert.equal(before.body.serialNumber, identity.serialNumber);
  assert.equal(before.body.generation, 0);
  assert.match(before.body.securityCode, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

  const after = await admin.json<{ securityCode: string; generation: number }>(
    'POST',
    '/admin/api/security-code/generate',
  );
  assert.equal(after.status, 200);
  assert.equal(after.body.generation, 1);
  assert.notEqual(after.body.securityCode, before.body.securityCode);

  const code = (text: string) => {
    const parsed = parseSecurityCode(text);
    assert.ok(parsed.ok);
    return parsed.value;
  };
  // The device's current code is exactly code(1); the old one belongs to generation 0 only.
  assert.equal(matchSecurityCode(secret, serial.value, code(after.body.securityCode), 1), 1);
  assert.equal(matchSecurityCode(secret, serial.value, code(before.body.securityCode), 1), 0);
  assert.notEqual(
    matchSecurityCode(secret, serial.value, code(before.body.securityCode), 1),
    after.body.generation,
  );

  const stored = JSON.parse(await readFile(join(dataDir, 'protected.json'), 'utf8')) as {
    codeGeneration: number;
  };
  assert.equal(stored.codeGeneration, 1, 'the generation is stored durably');
  const shown = await admin.json<{ securityCode: string }>('GET', '/admin/api/security-code');
  assert.equal(shown.body.securityCode, after.body.securityCode);
});

test('backup with a password, factory reset with network settings, then restore brings the configuration back', async (t) => {
  const { url, device } = await startTestDevice(t);
  const admin = await adminWithPassword(url, 'installer-pass-1');
  assert.equal(
    (
      await admin.request('PUT', '/admin/api/network', {
        dhcp: false,
        ipAddress: '10.0.23.193',
        netmask: '255.255.255.0',
        gateway: '10.0.23.1',
        dns1: '10.0.23.1',
      })
    ).status,
    204,
  );
  assert.equal(
    (
      await admin.request('PUT', '/admin/api/http-api/accounts/1', {
        username: 'integrator',
        password: 'api-pass',
        privileges: ['switch.control'],
      })
    ).status,
    200,
  );
  assert.equal(
    (await admin.request('PUT', '/admin/api/switches/2', { mode: 'bistable' })).status,
    204,
  );
  await admin.request('POST', '/admin/api/security-code/generate');
  const generation = device.securityCode.generation;
  const certificateBefore = device.config.current.certificate.certPem;
  const configured = structuredClone(device.config.current);

  const download = await admin.request('POST', '/admin/api/backup', { password: 'backup-secret' });
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename=".*\.bak"/);
  const backup = Buffer.from(await download.arrayBuffer());
  assert.equal(backup.subarray(0, 4).toString(), 'LKBK');
  assert.ok(
    !backup.includes(Buffer.from('10.0.23.193')),
    'the encrypted backup does not show the configuration',
  );

  const reset = await admin.request('POST', '/admin/api/factory-reset', {
    networkSettingsAndCertificates: true,
  });
  assert.equal(reset.status, 204);
  assert.equal(device.config.current.network.dhcp, true, 'network back to DHCP');
  assert.equal(device.config.current.network.ipAddress, '');
  assert.notEqual(
    device.config.current.certificate.certPem,
    certificateBefore,
    'a new self-signed certificate',
  );
  assert.equal(device.config.current.httpApi.accounts.length, 0);
  assert.equal(
    device.securityCode.generation,
    generation,
    'a factory reset keeps the code generation',
  );

  const oldSession = await admin.json('GET', '/admin/api/security-code');
  assert.equal(oldSession.status, 401, 'the reset ended the session');
  const fresh = new AdminClient(url);
  assert.equal((await fresh.login('installer-pass-1')).status, 401);
  const login = await fresh.login('2n');
  assert.equal(login.body.mustChangePassword, true, 'admin/2n again, with the forced change');
  assert.equal(
    (
      await fresh.request('POST', '/admin/api/password', {
        currentPassword: '2n',
        newPassword: 'second-owner-1',
      })
    ).status,
    204,
  );

  const form = new FormData();
  form.append('file', new Blob([backup]), 'config.bak');
  form.append('password', 'backup-secret');
  const restored = await fresh.request('POST', '/admin/api/restore', form);
  assert.equal(restored.status, 204, await restored.clone().text());
  assert.deepEqual(
    device.config.current,
    configured,
    'the configuration is exactly the backed-up one',
  );
  assert.equal(device.securityCode.generation, generation);
  const afterRestore = new AdminClient(url);
  assert.equal(
    (await afterRestore.login('installer-pass-1')).status,
    200,
    'the restored admin password applies',
  );
});

test('a factory reset without network settings keeps the network and the certificate', async (t) => {
  const { url, device } = await startTestDevice(t);
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/network', {
    dhcp: false,
    ipAddress: '192.168.1.50',
    netmask: '255.255.255.0',
    gateway: '192.168.1.1',
  });
  const certificate = device.config.current.certificate.certPem;
  assert.equal(
    (
      await admin.request('POST', '/admin/api/factory-reset', {
        networkSettingsAndCertificates: false,
      })
    ).status,
    204,
  );
  assert.equal(device.config.current.network.ipAddress, '192.168.1.50');
  assert.equal(device.config.current.certificate.certPem, certificate);
  assert.equal(device.accounts.mustChangePassword, true);
});

test('a wrong password, a corrupted, truncated, foreign or oversized file leave the configuration untouched', async (t) => {
  const { url, device, dataDir } = await startTestDevice(t);
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/network', {
    dhcp: false,
    ipAddress: '10.1.1.10',
    netmask: '255.0.0.0',
    gateway: '10.0.0.1',
  });
  const backup = Buffer.from(
    await (
      await admin.request('POST', '/admin/api/backup', { password: 'backup-secret' })
    ).arrayBuffer(),
  );
  const plain = Buffer.from(
    await (await admin.request('POST', '/admin/api/backup', {})).arrayBuffer(),
  );
  await admin.request('PUT', '/admin/api/network', {
    dhcp: false,
    ipAddress: '10.1.1.99',
    netmask: '255.0.0.0',
    gateway: '10.0.0.1',
  });
  const fileBefore = await readFile(join(dataDir, 'config.xml'), 'utf8');
  const configBefore = structuredClone(device.config.current);

  const corrupted = Buffer.from(backup);
  corrupted[corrupted.length - 10] = corrupted[corrupted.length - 10]! ^ 0xff;
  const foreign = Buffer.from(
    plain.toString('utf8').replace('Model="2N IP Verso"', 'Model="2N IP Force"'),
  );
  const cases: Array<{
    name: string;
    file: Buffer;
    password?: string;
    reason: string;
    message: RegExp;
    status?: number;
  }> = [
    {
      name: 'wrong password',
      file: backup,
      password: 'not-the-password',
      reason: 'wrong-password',
      message: /password is wrong/,
    },
    { name: 'no password', file: backup, reason: 'password-required', message: /encrypted/ },
    {
      name: 'corrupted',
      file: corrupted,
      password: 'backup-secret',
      reason: 'corrupted',
      message: /corrupted or was modified/,
    },
    {
      name: 'truncated',
      file: backup.subarray(0, 40),
      password: 'backup-secret',
      reason: 'corrupted',
      message: /truncated/,
    },
    {
      name: 'truncated XML',
      file: plain.subarray(0, plain.length / 2),
      reason: 'invalid-configuration',
      message: /not well-formed|not valid/,
    },
    {
      name: 'not a backup',
      file: Buffer.from('GIF89a not a configuration'),
      reason: 'not-a-backup',
      message: /not a configuration backup/,
    },
    {
      name: 'foreign model',
      file: foreign,
      reason: 'foreign-model',
      message: /from a 2N IP Force/,
    },
    {
      name: 'oversized',
      file: Buffer.concat([plain, Buffer.alloc(1024 * 1024, 0x20)]),
      reason: 'too-big',
      message: /at most/,
      status: 413,
    },
  ];
  for (const c of cases) {
    const form = new FormData();
    form.append('file', new Blob([c.file]), 'config.bak');
    if (c.password) form.append('password', c.password);
    const response = await admin.json<{ error: { message: string; reason: string } }>(
      'POST',
      '/admin/api/restore',
      form,
    );
    assert.equal(response.status, c.status ?? 400, c.name);
    assert.equal(response.body.error.reason, c.reason, c.name);
    assert.match(response.body.error.message, c.message, c.name);
    assert.deepEqual(device.config.current, configBefore, `${c.name}: configuration unchanged`);
    assert.equal(
      await readFile(join(dataDir, 'config.xml'), 'utf8'),
      fileBefore,
      `${c.name}: file unchanged`,
    );
  }

  const form = new FormData();
  form.append('file', new Blob([backup]), 'config.bak');
  form.append('password', 'backup-secret');
  assert.equal((await admin.request('POST', '/admin/api/restore', form)).status, 204);
  assert.equal(device.config.current.network.ipAddress, '10.1.1.10', 'the right password restores');
});

test('after five wrong passwords the login is blocked for a while, even with the right one', async (t) => {
  const { url } = await startTestDevice(t);
  const admin = new AdminClient(url);
  for (let i = 0; i < 5; i++) assert.equal((await admin.login(`guess-${i}`)).status, 401);
  const blocked = await admin.login('2n');
  assert.equal(blocked.status, 429);
  assert.match(blocked.body.error!.message, /blocked for \d+ more seconds/);
});
