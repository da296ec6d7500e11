import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLIENT_FILES,
  cloudDocument,
  deviceAdminDocument,
  generatedClientFiles,
  render,
  staleFiles,
} from '../../scripts/openapi-client.ts';

describe('the generated client types (src/client/*.openapi.ts)', () => {
  it('are what a fresh generation from the served documents writes', async () => {
    const stale = await staleFiles(await generatedClientFiles());
    assert.deepEqual(stale, [], 'run `npm run build:client` and commit the result');
  });

  it('go stale when a cloud route changes', async () => {
    const document = await cloudDocument();
    assert.ok(document.paths?.['/api/sites'], 'the cloud document lists /api/sites');
    delete document.paths['/api/sites'];
    const text = await render(document, 'the cloud /openapi.json', CLIENT_FILES.cloud);
    assert.deepEqual(await staleFiles({ [CLIENT_FILES.cloud]: text }), [
      'src/client/cloud.openapi.ts',
    ]);
  });

  it('go stale when a device admin answer changes', async () => {
    const document = await deviceAdminDocument();
    const session = document.components?.schemas?.['Session'] as { properties: object };
    assert.ok(session, 'the device admin document names its Session answer');
    session.properties = { ...session.properties, extra: { type: 'string' } };
    const text = await render(
      document,
      "the device's /admin/openapi.json",
      CLIENT_FILES.deviceAdmin,
    );
    assert.deepEqual(await staleFiles({ [CLIENT_FILES.deviceAdmin]: text }), [
      'src/client/device-admin.openapi.ts',
    ]);
  });

  it('keep the vendor HTTP API out of the device admin document', async () => {
    const document = await deviceAdminDocument();
    const paths = Object.keys(document.paths ?? {});
    assert.ok(paths.length > 30, `${paths.length} admin routes`);
    assert.deepEqual(
      paths.filter((path) => !path.startsWith('/admin/api/')),
      [],
    );
  });
});
