import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResidentAccess } from '../../src/core/building.model.ts';
import { DeviceLinkClient } from '../../src/device/link/link.client.ts';
import type { DirectoryUser } from '../../src/device/config.model.ts';
import { insertApartment, insertResident } from '../helpers/buildings.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect, testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator, type LinkedEmulator } from '../helpers/emulators.ts';
import {
  claim,
  codeFor,
  createSite,
  mintDevices,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';
import type { CleanupContext } from '../helpers/cloud.ts';

const SLOW = 30_000;

interface Rig {
  cloud: TestCloud;
  anna: Account;
  site: { id: string; name: string };
  serial: string;
  emulator: LinkedEmulator;
  apartment: { id: string; name: string };
}

/** A cloud, a site with one apartment, and one linked device in it, online. */
async function rig(t: CleanupContext, dialect = sqliteTestDialect): Promise<Rig> {
  const cloud = await startTestCloud(t, dialect);
  const [device] = await mintDevices(cloud, 1);
  const anna = await registerAccount(cloud);
  const site = await createSite(anna.client, 'Main Street 1');
  const claimed = await claim(anna.client, site.id, device!.serialNumber, device!.securityCode);
  assert.equal(claimed.status, 201, claimed.text);
  const emulator = await startLinkedEmulator(t, device!, cloud.url);
  await waitFor(
    'the device online',
    async () => (await listed(anna, site.id, device!.serialNumber))?.online,
  );
  const apartment = await insertApartment(cloud, site.id, '12');
  return { cloud, anna, site, serial: device!.serialNumber, emulator, apartment };
}

interface Item {
  serialNumber: string;
  online: boolean;
  name: string | null;
  configurationMode: string;
  sync: { state: string; version: number; since: string; reason?: string };
}

async function listed(account: Account, siteId: string, serial: string): Promise<Item | undefined> {
  const response = await account.client.get(`/api/sites/${siteId}/devices`);
  assert.equal(response.status, 200, response.text);
  return (response.body.items as Item[]).find((item) => item.serialNumber === serial);
}

const cloudEntries = (emulator: LinkedEmulator): DirectoryUser[] =>
  emulator.running.device.directory.list().filter((u) => u.owner === 'My2N');

const grant = (serial: string, ...switches: number[]): ResidentAccess[] =>
  switches.map((s) => ({ serialNumber: serial, switch: s }));

/** Starts a second link for a device whose first link was stopped (a reconnect). */
function relink(t: CleanupContext, emulator: LinkedEmulator, cloudUrl: string) {
  const link = new DeviceLinkClient(emulator.running.device, {
    cloudUrl,
    minBackoffMs: 50,
    maxBackoffMs: 400,
  });
  link.start();
  t.after(() => link.stop());
  return link;
}

for (const dialect of testDialects) {
  describe(`auto provisioning over the device link (${dialect.name})`, () => {
    it('writes a resident to the device as a My2N entry, PIN in place, and keeps local entries', async (t) => {
      const { cloud, anna, site, serial, emulator, apartment } = await rig(t, dialect);
      const [local] = await emulator.running.device.directory.create(
        [{ name: 'Caretaker', owner: '', access: { pin: '9999' } }],
        false,
      );
      const anna1 = await insertResident(cloud, site.id, {
        apartmentId: apartment.id,
        name: 'Anna Novák',
        pins: ['4821'],
        cards: ['0A1B2C3D'],
        access: grant(serial, 1, 3),
      });
      const entry = await waitFor(
        'the resident on the device',
        () => cloudEntries(emulator).find((u) => u.uuid === anna1.id.toUpperCase()),
        SLOW,
      );
      assert.equal(entry.name, 'Anna Novák');
      assert.equal(entry.treepath, '/12');
      assert.equal(entry.access.pin, '4821');
      assert.deepEqual(entry.access.code, ['', '4821']);
      assert.deepEqual(entry.access.card, ['0A1B2C3D']);
      const item = await waitFor(
        'in sync in the device list',
        async () => {
          const found = await listed(anna, site.id, serial);
          return found?.sync.state === 'in-sync' ? found : null;
        },
        SLOW,
      );
      assert.equal(item.configurationMode, 'automatic');
      assert.ok(item.sync.version >= 1);
      assert.deepEqual(emulator.running.device.cloudDirectory.held(), {
        siteId: site.id,
        version: item.sync.version,
      });
      // A second resident: the local entry survives the next full version.
      await insertResident(cloud, site.id, { apartmentId: apartment.id, name: 'Ben' });
      await waitFor('two cloud entries', () => cloudEntries(emulator).length === 2, SLOW);
      // And a full replacement (sync now) keeps it too.
      const sentBefore = cloud.services.autoProvisioning.sentTo(serial).parts;
      const synced = await anna.client.post(`/api/sites/${site.id}/devices/${serial}/sync`, {});
      assert.equal(synced.status, 202, synced.text);
      await waitFor(
        'the full version sent and answered',
        async () =>
          cloud.services.autoProvisioning.sentTo(serial).parts > sentBefore &&
          (await listed(anna, site.id, serial))?.sync.state === 'in-sync',
        SLOW,
      );
      await cloud.services.autoProvisioning.idle();
      assert.equal(cloudEntries(emulator).length, 2);
      const kept = emulator.running.device.directory.list().find((u) => u.uuid === local!.uuid);
      assert.equal(kept?.name, 'Caretaker');
      assert.equal(kept?.access.pin, '9999');
    });

    it('converges after three changes made while the device was offline, without duplicates', async (t) => {
      const { cloud, anna, site, serial, emulator, apartment } = await rig(t, dialect);
      await emulator.link.stop();
      await waitFor('offline', async () => (await listed(anna, site.id, serial))?.online === false);
      const ids: string[] = [];
      for (const name of ['One', 'Two', 'Three']) {
        ids.push((await insertResident(cloud, site.id, { apartmentId: apartment.id, name })).id);
      }
      await cloud.services.autoProvisioning.idle();
      assert.equal(cloudEntries(emulator).length, 0, 'nothing reached the offline device');
      relink(t, emulator, cloud.url);
      await waitFor('the three residents', () => cloudEntries(emulator).length === 3, SLOW);
      await waitFor(
        'in sync',
        async () => (await listed(anna, site.id, serial))?.sync.state === 'in-sync',
        SLOW,
      );
      assert.deepEqual(
        cloudEntries(emulator)
          .map((u) => u.uuid)
          .sort(),
        ids.map((id) => id.toUpperCase()).sort(),
      );
    });

    it("wipes the old site's entries on a move and on a delete, and writes the new site's", async (t) => {
      const { cloud, site, serial, emulator, apartment } = await rig(t, dialect);
      await insertResident(cloud, site.id, { apartmentId: apartment.id, name: 'Old tenant' });
      await waitFor('the old site entry', () => cloudEntries(emulator).length === 1, SLOW);
      await emulator.running.device.securityCode.generateNew();
      const bob = await registerAccount(cloud);
      const bobSite = await createSite(bob.client, 'Bob house');
      const bobFlat = await insertApartment(cloud, bobSite.id, 'A');
      await insertResident(cloud, bobSite.id, { apartmentId: bobFlat.id, name: 'New tenant' });
      const identity = {
        serialNumber: serial,
        secret: emulator.running.device.identity.secret,
      };
      const moved = await waitFor(
        'the move',
        async () => {
          const answer = await claim(bob.client, bobSite.id, serial, codeFor(identity, 1));
          return answer.status === 201 ? answer : null;
        },
        SLOW,
        200,
      );
      assert.equal(moved.body.outcome, 'moved');
      await waitFor(
        'only the new site entry',
        () => {
          const entries = cloudEntries(emulator);
          return entries.length === 1 && entries[0]!.name === 'New tenant';
        },
        SLOW,
      );
      assert.equal(emulator.running.device.cloudDirectory.held().siteId, bobSite.id);
      const deleted = await bob.client.delete(`/api/sites/${bobSite.id}/devices/${serial}`);
      assert.equal(deleted.status, 204, deleted.text);
      await waitFor('the wipe', () => cloudEntries(emulator).length === 0, SLOW);
      assert.equal(emulator.running.device.cloudDirectory.held().siteId, null);
    });
  });
}

describe('auto provisioning: modes, large directories, lost parts, routes', () => {
  it('sends nothing in Manual mode and a full sync when back in Automatic', async (t) => {
    const { cloud, anna, site, serial, emulator, apartment } = await rig(t);
    const manual = await anna.client.patch(`/api/sites/${site.id}/devices/${serial}`, {
      configurationMode: 'manual',
      name: '  Entrance  ',
    });
    assert.equal(manual.status, 200, manual.text);
    assert.equal(manual.body.configurationMode, 'manual');
    assert.equal(manual.body.name, 'Entrance');
    await waitFor(
      'the device shows Manual',
      () => emulator.running.device.cloud.configurationMode === 'manual',
    );
    await insertResident(cloud, site.id, { apartmentId: apartment.id, name: 'Not sent' });
    await cloud.services.autoProvisioning.idle();
    assert.equal(cloudEntries(emulator).length, 0);
    const auto = await anna.client.patch(`/api/sites/${site.id}/devices/${serial}`, {
      configurationMode: 'automatic',
    });
    assert.equal(auto.status, 200, auto.text);
    assert.equal(auto.body.name, 'Entrance', 'the name stays when only the mode changes');
    await waitFor('synced', () => cloudEntries(emulator).length === 1, SLOW);
    const audit = await anna.client.get(`/api/sites/${site.id}/audit`);
    if (audit.status === 200) {
      const actions = (audit.body.items as { action: string }[]).map((a) => a.action);
      assert.ok(actions.includes('device.settings-changed'), JSON.stringify(actions));
    }
  });

  it('sends 300 residents in several parts and converges when the device dies mid-transfer', async (t) => {
    const { cloud, site, serial, emulator, apartment } = await rig(t);
    const directory = emulator.running.device.cloudDirectory;
    const original = directory.provision.bind(directory);
    let killed = false;
    directory.provision = async (args) => {
      const outcome = await original(args);
      if (!killed && args.parts > 1 && args.part === 1) {
        killed = true;
        void emulator.link.stop();
      }
      return outcome;
    };
    await cloud.store.transaction(async (trx) => {
      for (let i = 0; i < 300; i++) {
        const id = crypto.randomUUID();
        const now = new Date().toISOString();
        await trx
          .insertInto('residents')
          .values({
            id,
            site_id: site.id,
            apartment_id: apartment.id,
            name: `Resident ${i} of the big house`,
            email: `resident${i}@example.com`,
            credentials_enc: cloud.services.residentCredentials.seal(id, {
              pins: [String(100000 + i)],
              cards: [],
            }),
            valid_from: null,
            valid_to: null,
            enabled: 1,
            call_target: `sip:${i}@example.com`,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await trx
          .insertInto('resident_access')
          .values({ resident_id: id, serial_number: serial, switch: 1 })
          .execute();
      }
    });
    cloud.events.emit('residents-changed', { siteId: site.id });
    await waitFor('the transfer to die after its first part', () => killed, SLOW);
    await waitFor('the link down', () => !emulator.link.connected);
    assert.equal(cloudEntries(emulator).length, 0, 'a half version is never applied');
    relink(t, emulator, cloud.url);
    await waitFor('all 300 on the device', () => cloudEntries(emulator).length === 300, 60_000);
    const sent = cloud.services.autoProvisioning.sentTo(serial);
    assert.ok(sent.parts > 2, `several parts (${sent.parts})`);
    const pins = new Set(cloudEntries(emulator).map((u) => u.access.pin));
    assert.equal(pins.size, 300);

    // One resident renamed: a delta of that one entry, not the whole directory again.
    await cloud.services.autoProvisioning.idle();
    const full = cloud.services.autoProvisioning.sentTo(serial);
    const renamed = cloudEntries(emulator)[0]!.uuid.toLowerCase();
    await cloud.store.db
      .updateTable('residents')
      .set({ name: 'Renamed' })
      .where('id', '=', renamed)
      .execute();
    cloud.events.emit('residents-changed', { siteId: site.id });
    await waitFor(
      'the renamed entry',
      () =>
        cloudEntries(emulator).find((u) => u.uuid === renamed.toUpperCase())?.name === 'Renamed',
      SLOW,
    );
    const delta = cloud.services.autoProvisioning.sentTo(serial);
    assert.equal(delta.parts - full.parts, 1, 'one part');
    assert.ok(delta.bytes - full.bytes < 2048, `one entry's bytes (${delta.bytes - full.bytes})`);
    assert.equal(cloudEntries(emulator).length, 300);
  });

  it("sync now, PATCH validation, offline and another tenant's device", async (t) => {
    const { cloud, anna, site, serial, emulator } = await rig(t);
    const url = `/api/sites/${site.id}/devices/${serial}`;
    const before = cloud.services.autoProvisioning.sentTo(serial).parts;
    const synced = await anna.client.post(`${url}/sync`, {});
    assert.equal(synced.status, 202, synced.text);
    assert.ok(synced.body.sync);
    await waitFor(
      'a full version sent',
      () => cloud.services.autoProvisioning.sentTo(serial).parts > before,
      SLOW,
    );

    for (const body of [
      { configurationMode: 'sometimes' },
      { name: 'x'.repeat(65) },
      { name: 12 },
      { other: true },
    ]) {
      const refused = await anna.client.patch(url, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'VALIDATION_FAILED');
    }
    const cleared = await anna.client.patch(url, { name: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.name, null);

    const bob = await registerAccount(cloud);
    const bobSite = await createSite(bob.client, 'Bob house');
    for (const path of [url, `/api/sites/${bobSite.id}/devices/${serial}`]) {
      const patch = await bob.client.patch(path, { name: 'Mine' });
      assert.equal(patch.status, 404, patch.text);
      const sync = await bob.client.post(`${path}/sync`, {});
      assert.equal(sync.status, 404, sync.text);
    }
    assert.equal((await listed(anna, site.id, serial))?.name, null, 'nothing changed');

    await emulator.link.stop();
    await waitFor('offline', async () => (await listed(anna, site.id, serial))?.online === false);
    const offline = await anna.client.post(`${url}/sync`, {});
    assert.equal(offline.status, 409);
    assert.equal(offline.body.error.code, 'DEVICE_OFFLINE');
  });
});
