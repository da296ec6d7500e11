import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceClientId } from '../../src/core/link.protocol.ts';
import { deriveLinkPassword } from '../../src/core/security-code.rules.ts';
import type { SerialNumber } from '../../src/core/serial.rules.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator, identityFolder } from '../helpers/emulators.ts';
import { claim, codeFor, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { waitFor } from '../helpers/wait.ts';

async function deviceRow(cloud: TestCloud, serial: string) {
  return cloud.store.db
    .selectFrom('devices')
    .selectAll()
    .where('serial_number', '=', serial)
    .executeTakeFirstOrThrow();
}

async function listedDevice(
  client: Awaited<ReturnType<typeof registerAccount>>['client'],
  siteId: string,
  serial: string,
) {
  const response = await client.get(`/api/sites/${siteId}/devices`);
  assert.equal(response.status, 200, response.text);
  return (
    response.body.items as {
      serialNumber: string;
      online: boolean;
      firmware: string | null;
      lastSeenAt: string | null;
    }[]
  ).find((item) => item.serialNumber === serial);
}

describe('device link: presence, code generations and ownership', () => {
  it('shows a linked device online, learns Generate New without a claim, and shows it offline when stopped', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const [device] = await mintDevices(cloud, 1);
    const anna = await registerAccount(cloud);
    const site = await createSite(anna.client, 'Main Street 1');
    assert.equal(
      (await claim(anna.client, site.id, device!.serialNumber, device!.securityCode)).status,
      201,
    );

    const emulator = await startLinkedEmulator(t, device!, cloud.url);
    const online = await waitFor('the device online in the site list', async () => {
      const item = await listedDevice(anna.client, site.id, device!.serialNumber);
      return item?.online && item.firmware !== null ? item : null;
    });
    assert.equal(online.firmware, emulator.running.device.maintenance.firmwareVersion);
    assert.ok(online.lastSeenAt);
    await waitFor(
      'the device shows its site',
      () => emulator.running.device.cloud.site === 'Main Street 1',
    );
    assert.equal(emulator.running.device.cloud.state, 'connected');

    // Generate New on the device: the cloud learns the new generation without any claim.
    // How fast is measured by `npm run bench` (code invalidation), not asserted here.
    const regenerated = await emulator.running.device.securityCode.generateNew();
    assert.equal(regenerated.generation, 1);
    await waitFor(
      'the cloud to know generation 1',
      async () => (await deviceRow(cloud, device!.serialNumber)).known_generation === 1,
      10_000,
    );
    const bob = await registerAccount(cloud);
    const bobSite = await createSite(bob.client, 'Bob house');
    const old = await claim(bob.client, bobSite.id, device!.serialNumber, device!.securityCode);
    assert.equal(old.status, 422);
    assert.equal(old.body.error.code, 'SECURITY_CODE_REPLACED');

    // The owner is told, and the audit says the code was regenerated on the device.
    const notifications = await anna.client.get('/api/notifications');
    const notice = notifications.body.items.find(
      (n: { kind: string }) => n.kind === 'code-regenerated',
    );
    assert.ok(notice, notifications.text);
    assert.match(
      notice.body,
      /generated a new security code; the device can now be moved to another account/,
    );
    const audit = await anna.client.get(`/api/sites/${site.id}/audit`);
    assert.ok(
      audit.body.items.some((e: { action: string }) => e.action === 'device.code-regenerated'),
    );

    await emulator.link.stop();
    await waitFor('the device offline in the site list', async () => {
      const item = await listedDevice(anna.client, site.id, device!.serialNumber);
      return item && !item.online;
    });
  });

  it('tells the device it is in no site any more when it is deleted, and its new site when added', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const [device] = await mintDevices(cloud, 1);
    const anna = await registerAccount(cloud);
    const site = await createSite(anna.client, 'Depot');
    const emulator = await startLinkedEmulator(t, device!, cloud.url);
    await waitFor('the link to connect', () => emulator.running.device.cloud.state === 'connected');
    assert.equal(emulator.running.device.cloud.site, null, 'not in a site before it is added');

    assert.equal(
      (await claim(anna.client, site.id, device!.serialNumber, device!.securityCode)).status,
      201,
    );
    await waitFor(
      'the device to show its site',
      () => emulator.running.device.cloud.site === 'Depot',
    );
    const deleted = await anna.client.delete(
      `/api/sites/${site.id}/devices/${device!.serialNumber}`,
    );
    assert.equal(deleted.status, 204);
    await waitFor('the device to show no site', () => emulator.running.device.cloud.site === null);
  });

  it('moves a device with a code generated while it was offline, and agrees on reconnect', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const [device] = await mintDevices(cloud, 1);
    const anna = await registerAccount(cloud);
    const annaSite = await createSite(anna.client, 'Anna site');
    assert.equal(
      (await claim(anna.client, annaSite.id, device!.serialNumber, device!.securityCode)).status,
      201,
    );
    const paths = identityFolder(t, device!);
    const first = await startLinkedEmulator(t, device!, cloud.url, paths);
    await waitFor('online', () => first.running.device.cloud.site === 'Anna site');
    await first.link.stop();

    // Offline: two Generate New presses; the cloud does not know yet.
    await first.running.device.securityCode.generateNew();
    const shown = await first.running.device.securityCode.generateNew();
    await first.running.close();
    assert.equal((await deviceRow(cloud, device!.serialNumber)).known_generation, 0);

    const bob = await registerAccount(cloud);
    const bobSite = await createSite(bob.client, 'Bob site');
    const moved = await claim(bob.client, bobSite.id, device!.serialNumber, shown.securityCode);
    assert.equal(moved.status, 201, moved.text);
    assert.equal(moved.body.outcome, 'moved');
    assert.equal((await deviceRow(cloud, device!.serialNumber)).known_generation, 2);

    const again = await startLinkedEmulator(t, device!, cloud.url, paths);
    await waitFor(
      'the device to show its new site',
      () => again.running.device.cloud.site === 'Bob site',
    );
    assert.equal(again.running.device.securityCode.generation, 2);
    assert.equal((await deviceRow(cloud, device!.serialNumber)).known_generation, 2);
    const old = await claim(anna.client, annaSite.id, device!.serialNumber, codeFor(device!, 1));
    assert.equal(old.body.error.code, 'SECURITY_CODE_REPLACED');
  });
});

describe('device link: refusals', () => {
  const connect = (url: string, username: string, password: string) =>
    connectMqtt(url, deviceClientId(username), username, password);

  it('refuses a wrong password and an unknown serial', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const [device] = await mintDevices(cloud, 1);
    const url = cloud.url.replace('http', 'ws') + '/mqtt';
    const wrong = await connect(url, device!.serialNumber, 'f'.repeat(64));
    wrong.client.end(true);
    assert.match(String(wrong.error?.message), /Bad username or password|Not authorized/i);
    const unknown = await connect(
      url,
      '99-9999-9999',
      deriveLinkPassword(device!.secret, '99-9999-9999' as SerialNumber),
    );
    unknown.client.end(true);
    assert.ok(unknown.error, 'an unknown serial is refused');
  });

  it('refuses a device publishing or subscribing under another serial, and none of it reaches the state', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect, { mqttPort: 0 });
    const [mallory, victim] = await mintDevices(cloud, 2);
    const url = `mqtt://127.0.0.1:${cloud.mqttPort}`;
    const { client, error } = await connect(
      url,
      mallory!.serialNumber,
      deriveLinkPassword(mallory!.secret, mallory!.serialNumber),
    );
    assert.equal(error, null);
    t.after(() => client.end(true));

    // MQTT 3.1.1 §3.9.3: return code 0x80 is a refused subscription; MQTT.js rejects with it.
    for (const filter of [`devices/${victim!.serialNumber}/commands`, 'devices/#']) {
      await assert.rejects(
        client.subscribeAsync(filter, { qos: 1 }),
        (error: { packet?: { granted?: number[] } }) => {
          assert.deepEqual(error.packet?.granted, [128], filter);
          return true;
        },
      );
    }

    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(
      `devices/${victim!.serialNumber}/events`,
      JSON.stringify({ type: 'code-regenerated', generation: 5 }),
      { qos: 0 },
    );
    await closed;
    const row = await deviceRow(cloud, victim!.serialNumber);
    assert.equal(row.known_generation, 0);
    assert.equal(row.online, 0);
  });
});
