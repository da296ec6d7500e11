import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCloud } from '../../src/cloud/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, createSite, registerAccount } from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

// A network blip must not lose door events (docs/decisions.md, "Buildings"): the device keeps what
// happened while the link was down and sends it once the link is back. One dialect: this is
// about the link, the store is the same as in door.test.ts.
describe('door events during a network blip', () => {
  it('reach the access log after the link comes back', async (t) => {
    const database = await sqliteTestDialect.create();
    t.after(() => database.drop());
    let cloud = await startCloud({ dataDir: database.dataDir, port: 0 });
    const port = Number(new URL(cloud.url).port);
    const owner = await registerAccount(cloud);
    const site = await createSite(owner.client, 'Vinohradská 12');
    const [device] = await cloud.services.registry.mint({ count: 1, model: '2N IP Verso' });
    assert.equal(
      (await claim(owner.client, site.id, device!.serialNumber, device!.securityCode)).status,
      201,
    );
    const emulator = await startLinkedEmulator(t, device!, cloud.url);
    await waitFor('first link', () => emulator.link.connected);
    await cloud.close();
    await waitFor('the device to notice', () => !emulator.link.connected);

    // Two refused codes at the door while the cloud is away.
    emulator.running.device.frontPanel.enterCode('11111');
    emulator.running.device.frontPanel.enterCode('22222');

    cloud = await startCloud({ dataDir: database.dataDir, port });
    t.after(() => cloud.close());
    await waitFor('the link to come back', () => emulator.link.connected, 10_000);
    const items = await waitFor('the events of the blip in the log', async () => {
      const page = await owner.client.get(`/api/sites/${site.id}/access-log`);
      return page.body.items?.length === 2 ? page.body.items : null;
    });
    for (const item of items) {
      assert.equal(item.granted, false);
      assert.equal(item.reason, 'unknown');
      assert.equal(item.serialNumber, device!.serialNumber);
    }
  });
});
