import assert from 'node:assert/strict';
import { startTestCloud, type CleanupContext, type TestCloudOptions } from '../helpers/cloud.ts';
import type { TestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * A cloud, an account with a site, and one emulator of that site linked and online: what the
 * door tests (access log, remote actions) start from.
 */
export async function startDoorSite(
  t: CleanupContext,
  dialect: TestDialect,
  options: TestCloudOptions = {},
) {
  const cloud = await startTestCloud(t, dialect, options);
  const owner = await registerAccount(cloud, { name: 'Olga Owner' });
  const site = await createSite(owner.client, 'Vinohradská 12');
  const [device] = await mintDevices(cloud, 1);
  const added = await claim(owner.client, site.id, device!.serialNumber, device!.securityCode);
  assert.equal(added.status, 201, added.text);
  const emulator = await startLinkedEmulator(t, device!, cloud.url);
  await waitFor('the device online in the site', async () => {
    const list = await owner.client.get(`/api/sites/${site.id}/devices`);
    return list.body.items?.[0]?.online === true;
  });
  return { cloud, owner, site, device: device!, emulator, serial: device!.serialNumber };
}
