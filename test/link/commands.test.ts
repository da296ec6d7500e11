import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCloud } from '../../src/cloud/cloud.ts';
import { CommandTimeoutError } from '../../src/cloud/link/link.bridge.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { mintDevices } from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

describe('device link: commands', () => {
  it('answers report-state with the same id and the device state', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const [device] = await mintDevices(cloud, 1);
    const emulator = await startLinkedEmulator(t, device!, cloud.url);
    await waitFor('link', () => emulator.link.connected);
    const reply = await cloud.link.command(device!.serialNumber, 'report-state');
    assert.equal(reply.ok, true);
    assert.equal(reply.result?.model, device!.model);
    assert.equal(reply.result?.codeGeneration, 0);
  });

  it('restarts the device on command: it answers, restarts and reports it', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const [device] = await mintDevices(cloud, 1);
    const emulator = await startLinkedEmulator(t, device!, cloud.url);
    await waitFor('link', () => emulator.link.connected);
    const restarted = new Promise((resolve) =>
      emulator.running.device.events.once('restarted', resolve),
    );
    const reply = await cloud.link.command(device!.serialNumber, 'restart');
    assert.equal(reply.ok, true);
    assert.deepEqual(await restarted, {
      reason: 'cloud command',
      firmwareVersion: emulator.running.device.maintenance.firmwareVersion,
    });
  });

  it('gives up on a device that does not answer, after the timeout', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect, { commandTimeoutMs: 200 });
    const [device] = await mintDevices(cloud, 1);
    await assert.rejects(
      cloud.link.command(device!.serialNumber, 'report-state'),
      CommandTimeoutError,
    );
  });
});

describe('device link: reconnecting', () => {
  it('reconnects after the cloud restarts and sends its state again', async (t) => {
    const database = await sqliteTestDialect.create();
    t.after(() => database.drop());
    let cloud = await startCloud({ dataDir: database.dataDir, port: 0 });
    const port = Number(new URL(cloud.url).port);
    const [device] = await cloud.services.registry.mint({ count: 1, model: '2N IP Verso' });
    const emulator = await startLinkedEmulator(t, device!, cloud.url);
    await waitFor('first link', () => emulator.link.connected);
    await cloud.close();
    await waitFor(
      'the device to notice',
      () => emulator.running.device.cloud.state !== 'connected',
    );

    // While the cloud is down, a code is generated; the state sent on reconnect carries it.
    await emulator.running.device.securityCode.generateNew();
    cloud = await startCloud({ dataDir: database.dataDir, port });
    t.after(() => cloud.close());
    await waitFor('the link to come back', () => emulator.link.connected, 10_000);
    const row = await waitFor('the state after reconnect', async () => {
      const current = await cloud.store.db
        .selectFrom('devices')
        .selectAll()
        .where('serial_number', '=', device!.serialNumber)
        .executeTakeFirstOrThrow();
      return current.online === 1 && current.known_generation === 1 ? current : null;
    });
    assert.equal(row.firmware, emulator.running.device.maintenance.firmwareVersion);
  });
});
