import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, codeFor, mintDevices, registerAccount } from '../helpers/factories.ts';
import { basic } from '../device/helpers.ts';
import { waitFor } from '../helpers/wait.ts';

const API_USER = 'integrator';
const API_PASS = 'api-pass-1';

interface DirQuery {
  success: boolean;
  result: { users: Array<{ uuid: string; name: string; owner: string; access: { pin: string } }> };
}

interface AccessItem {
  granted: boolean;
  credential: string;
  residentName?: string;
  apartmentName?: string;
  serialNumber: string;
  switch: number | null;
}

/** The whole loop of issue 17, through the real API, link and emulator. */
for (const dialect of testDialects) {
  describe(`a building, from the API to the door and back (${dialect.name})`, () => {
    it('provisions a resident added in the API, opens the door with their PIN and logs it', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const owner = await registerAccount(cloud);
      const site = (
        await owner.client.post('/api/sites', {
          name: 'Vinohradská 12',
          type: 'apartment-building',
        })
      ).body;
      assert.equal(site.type, 'apartment-building');
      const [device] = await mintDevices(cloud, 1);
      const serialNumber = device!.serialNumber;
      const emulator = await startLinkedEmulator(t, device!, cloud.url);
      await emulator.running.device.accounts.provisionIntegratorAccount(API_USER, API_PASS);
      await waitFor('the link', () => emulator.link.connected);
      assert.equal(
        (await claim(owner.client, site.id, serialNumber, codeFor(device!, 0))).status,
        201,
      );

      const apartment = await owner.client.post(`/api/sites/${site.id}/apartments`, {
        name: '12',
        floor: '3',
      });
      assert.equal(apartment.status, 201, apartment.text);
      const resident = await owner.client.post(`/api/sites/${site.id}/residents`, {
        name: 'Anna Novák',
        apartmentId: apartment.body.id,
        pins: ['4711'],
        cards: [],
        enabled: true,
        access: [{ serialNumber, switch: 1 }],
      });
      assert.equal(resident.status, 201, resident.text);
      const residentId = resident.body.id;

      // The vendor API of the device lists the entry the cloud wrote (2N HTTP API §5.14.6).
      const queried = await waitFor('the resident on the device', async () => {
        const response = await fetch(`${emulator.running.url}/api/dir/query`, {
          method: 'POST',
          headers: { authorization: basic(API_USER, API_PASS), 'content-type': 'application/json' },
          body: JSON.stringify({
            iterator: { timestamp: 0 },
            fields: ['name', 'owner', 'access.pin'],
          }),
        });
        const body = (await response.json()) as DirQuery;
        return body.result.users.find((u) => u.uuid === residentId.toUpperCase());
      });
      assert.equal(queried.name, 'Anna Novák');
      assert.equal(queried.owner, 'My2N');
      await waitFor('in sync', async () => {
        const devices = (await owner.client.get(`/api/sites/${site.id}/devices`)).body;
        return devices.items[0]?.sync.state === 'in-sync';
      });

      const result = emulator.running.device.frontPanel.enterCode('4711');
      assert.equal(result.valid, true, JSON.stringify(result));
      assert.equal(emulator.running.device.switches.status(1)[0]!.active, true);
      const wrong = emulator.running.device.frontPanel.enterCode('9999');
      assert.equal(wrong.valid, false);

      const log = await waitFor('both door events in the access log', async () => {
        const items: AccessItem[] = (await owner.client.get(`/api/sites/${site.id}/access-log`))
          .body.items;
        return items.length >= 2 ? items : undefined;
      });
      const granted = log.find((item) => item.granted)!;
      assert.equal(granted.residentName, 'Anna Novák');
      assert.equal(granted.apartmentName, '12');
      assert.equal(granted.credential, 'pin');
      assert.equal(granted.serialNumber, serialNumber);
      assert.equal(granted.switch, 1);
      assert.equal(log.filter((item) => !item.granted).length, 1);
    });
  });
}
