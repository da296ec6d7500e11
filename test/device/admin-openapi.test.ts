import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeviceAdminClient } from '../../src/client/index.ts';
import { startTestDevice } from './helpers.ts';

interface Operation {
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

describe("the device admin API's OpenAPI document and typed client", () => {
  it('serves /admin/openapi.json without a session: every admin route, none of the vendor API', async (t) => {
    const { url } = await startTestDevice(t);
    const response = await fetch(`${url}/admin/openapi.json`);
    assert.equal(response.status, 200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    };
    assert.match(doc.openapi, /^3\.1\./);
    const paths = Object.keys(doc.paths);
    assert.deepEqual(
      paths.filter((path) => !path.startsWith('/admin/api/')),
      [],
    );
    for (const path of ['/admin/api/login', '/admin/api/switches/{switch}', '/admin/api/restore']) {
      assert.ok(paths.includes(path), path);
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const route = `${method.toUpperCase()} ${path}`;
        assert.ok(operation.summary, `${route} has a summary`);
        assert.ok(operation.tags?.length, `${route} has a tag`);
        const refused = operation.responses['401']?.content?.['application/json']?.schema;
        assert.equal(refused?.$ref, '#/components/schemas/DeviceErrorBody', route);
      }
    }
  });

  it('logs in, changes the factory password and reads the system with the typed client', async (t) => {
    const { url, identity } = await startTestDevice(t);
    const device = createDeviceAdminClient({ baseUrl: url });
    const login = await device.POST('/admin/api/login', {
      body: { username: 'admin', password: '2n' },
    });
    assert.equal(login.response.status, 200);
    assert.equal(login.data?.mustChangePassword, true);
    // The client sends the session cookie and the CSRF token from the login by itself.
    const changed = await device.POST('/admin/api/password', {
      body: { currentPassword: '2n', newPassword: 'installer-pass-1' },
    });
    assert.equal(changed.response.status, 204, JSON.stringify(changed.error));
    const system = await device.GET('/admin/api/system');
    assert.equal(system.data?.serialNumber, identity.serialNumber);
    assert.equal(system.data?.cloud.configurationMode, null);
  });

  it('answers an anonymous bad body with the login, and a signed-in one with its field', async (t) => {
    const { url, device: running } = await startTestDevice(t);
    const before = structuredClone(running.config.current.network);
    const bad = { dhcp: 'yes' };
    const anonymous = await fetch(`${url}/admin/api/network`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(bad),
    });
    assert.equal(anonymous.status, 401);
    assert.equal(
      ((await anonymous.json()) as { error: { code: string } }).error.code,
      'LOGIN_REQUIRED',
    );

    const device = createDeviceAdminClient({ baseUrl: url });
    await device.POST('/admin/api/login', { body: { username: 'admin', password: '2n' } });
    await device.POST('/admin/api/password', {
      body: { currentPassword: '2n', newPassword: 'installer-pass-1' },
    });
    const refused = await device.PUT('/admin/api/network', {
      // @ts-expect-error the generated types refuse it too: dhcp is a boolean
      body: bad,
    });
    assert.equal(refused.response.status, 400);
    assert.equal(refused.error?.error.code, 'VALIDATION_FAILED');
    assert.equal(refused.error?.error.field, 'dhcp');
    assert.deepEqual(running.config.current.network, before);
  });
});
