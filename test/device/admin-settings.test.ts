import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adminWithPassword, startTestDevice } from './helpers.ts';

type ErrorBody = { error: { code: string; field?: string; message: string } };

const SRC = fileURLToPath(new URL('../../src/device/', import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(join(SRC, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

describe('admin API settings go through the use-case services', () => {
  it('no route of the admin API or the classic pages changes the configuration itself', () => {
    const routes = [...sourceFiles('api/admin'), 'api/admin.routes.ts', ...sourceFiles('web')];
    const offenders = routes.filter((file) =>
      /config\.update\(/.test(readFileSync(join(SRC, file), 'utf8')),
    );
    assert.deepEqual(offenders, [], 'call the owning service (network, switches, settings, …)');
  });

  it('refuses a switch setting out of range with the field named, and changes nothing', async (t) => {
    const { url, device, dataDir } = await startTestDevice(t);
    const admin = await adminWithPassword(url);
    const before = structuredClone(device.config.current.switches);
    const fileBefore = await readFile(join(dataDir, 'config.xml'), 'utf8');
    const cases: Array<{ path: string; body: unknown; field: string }> = [
      { path: '/admin/api/switches/1', body: { switchOnDuration: 0 }, field: 'switchOnDuration' },
      {
        path: '/admin/api/switches/1',
        body: { switchOnDuration: 3601 },
        field: 'switchOnDuration',
      },
      { path: '/admin/api/switches/1', body: { switchOnDuration: 2.5 }, field: 'switchOnDuration' },
      { path: '/admin/api/switches/1', body: { mode: 'astable' }, field: 'mode' },
      { path: '/admin/api/switches/1', body: { type: 'magic', enabled: false }, field: 'type' },
      { path: '/admin/api/switches/5', body: { enabled: false }, field: 'switch' },
      { path: '/admin/api/switches/0', body: { enabled: false }, field: 'switch' },
      { path: '/admin/api/switches/one', body: { enabled: false }, field: 'switch' },
    ];
    for (const c of cases) {
      const answer = await admin.json<ErrorBody>('PUT', c.path, c.body);
      const label = `${c.path} ${JSON.stringify(c.body)}`;
      assert.equal(answer.status, 400, label);
      assert.equal(answer.body.error.code, 'VALIDATION_FAILED', label);
      assert.equal(answer.body.error.field, c.field, label);
    }
    assert.deepEqual(device.config.current.switches, before);
    assert.equal(await readFile(join(dataDir, 'config.xml'), 'utf8'), fileBefore);
  });

  it('saves a switch setting that the HTTP API then reports in switch/caps', async (t) => {
    const { url, device } = await startTestDevice(t);
    const admin = await adminWithPassword(url);
    const saved = await admin.request('PUT', '/admin/api/switches/2', {
      mode: 'bistable',
      switchOnDuration: 12,
    });
    assert.equal(saved.status, 204);
    assert.deepEqual(device.switches.caps(2), [
      { switch: 2, enabled: true, mode: 'bistable', switchOnDuration: 12, type: 'normal' },
    ]);
  });

  it('refuses an unknown HTTP API service or setting with the field named, and changes nothing', async (t) => {
    const { url, device, dataDir } = await startTestDevice(t);
    const admin = await adminWithPassword(url);
    const before = structuredClone(device.config.current.httpApi.services);
    const fileBefore = await readFile(join(dataDir, 'config.xml'), 'utf8');
    const cases: Array<{ service: string; body: unknown; field: string }> = [
      { service: 'teleport', body: { enabled: false }, field: 'service' },
      { service: '__proto__', body: { enabled: false }, field: 'service' },
      { service: 'switch', body: { connection: 'ftp' }, field: 'connection' },
      { service: 'switch', body: { auth: 'kerberos' }, field: 'auth' },
      { service: 'switch', body: { enabled: 'yes' }, field: 'enabled' },
    ];
    for (const c of cases) {
      const answer = await admin.json<ErrorBody>(
        'PUT',
        `/admin/api/http-api/services/${c.service}`,
        c.body,
      );
      const label = `${c.service} ${JSON.stringify(c.body)}`;
      assert.equal(answer.status, 400, label);
      assert.equal(answer.body.error.field, c.field, label);
    }
    assert.deepEqual(device.config.current.httpApi.services, before);
    assert.equal(await readFile(join(dataDir, 'config.xml'), 'utf8'), fileBefore);

    const allowHttp = await admin.request('PUT', '/admin/api/http-api/services/switch', {
      connection: 'http',
    });
    assert.equal(allowHttp.status, 204);
    assert.equal(device.config.current.httpApi.services.switch.connection, 'http');
    assert.equal(
      device.config.current.httpApi.services.switch.auth,
      before.switch.auth,
      'only the given field changes',
    );
  });
});
