import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminClient, startTestDevice } from './helpers.ts';

const PASSWORD = 'installer-pass-1';

test("the admin API's system answer carries the configuration mode the cloud set (issue 17)", async (t) => {
  const { url, device } = await startTestDevice(t, { adminPassword: PASSWORD });
  const admin = new AdminClient(url);
  await admin.login(PASSWORD);
  const cloud = async () =>
    (await admin.json<{ cloud: Record<string, unknown> }>('GET', '/admin/api/system')).body.cloud;
  assert.deepEqual(await cloud(), { state: 'disconnected', site: null, configurationMode: null });
  device.setCloudLink({ state: 'connected', site: 'Vinohradská 12', configurationMode: 'manual' });
  assert.deepEqual(await cloud(), {
    state: 'connected',
    site: 'Vinohradská 12',
    configurationMode: 'manual',
  });
});
