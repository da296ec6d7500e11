import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { MAX_FIRMWARE_BYTES } from '../../src/core/firmware.format.ts';
import type { FirmwareProgressMessage } from '../../src/core/link.protocol.ts';
import { startDevice } from '../../src/device/device.server.ts';
import type { FirmwareDownloadLimits } from '../../src/device/link/firmware-update.command.ts';
import { DeviceLinkClient } from '../../src/device/link/link.client.ts';
import { startTestCloud, type CleanupContext, type TestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect, testDialects } from '../helpers/databases.ts';
import { identityFolder } from '../helpers/emulators.ts';
import { mintDevices } from '../helpers/factories.ts';
import { firmwareImage, serveFirmware, type ServeMode } from '../helpers/firmware-server.ts';
import { waitFor } from '../helpers/wait.ts';

const MODEL = '2N IP Verso';

/** A minted device, emulated and linked, with the download limits given. */
async function linkedDevice(t: CleanupContext, cloud: TestCloud, limits?: FirmwareDownloadLimits) {
  const [minted] = await mintDevices(cloud, 1);
  const running = await startDevice({
    ...identityFolder(t, minted!),
    port: 0,
    adminPassword: 'emulator-admin-1',
  });
  const link = new DeviceLinkClient(running.device, {
    cloudUrl: cloud.url,
    minBackoffMs: 50,
    maxBackoffMs: 400,
    firmwareDownload: limits,
  });
  link.start();
  t.after(async () => {
    await link.stop();
    await running.close();
  });
  await waitFor('the link', () => link.connected);
  return { serial: minted!.serialNumber, device: running.device };
}

/** The firmware-progress events the cloud received from one device, in order. */
function progressOf(cloud: TestCloud, serial: string): FirmwareProgressMessage[] {
  const seen: FirmwareProgressMessage[] = [];
  cloud.events.on('firmware-progress', ({ serialNumber, progress }) => {
    if (serialNumber === serial) seen.push(progress);
  });
  return seen;
}

function finished(seen: FirmwareProgressMessage[]) {
  return waitFor(
    'the update to end',
    () => seen.find((event) => event.step === 'done' || event.step === 'failed'),
    10_000,
  );
}

async function deviceRow(cloud: TestCloud, serial: string) {
  return cloud.store.db
    .selectFrom('devices')
    .select(['firmware'])
    .where('serial_number', '=', serial)
    .executeTakeFirstOrThrow();
}

/** Starts an update of `mode` and waits for its failure; returns the reason. */
async function failedUpdate(t: CleanupContext, mode: ServeMode, limits?: FirmwareDownloadLimits) {
  const cloud = await startTestCloud(t, sqliteTestDialect);
  const { serial, device } = await linkedDevice(t, cloud, limits);
  const before = device.maintenance.firmwareVersion;
  const server = await serveFirmware(t, firmwareImage({ model: MODEL, version: '9.1.0' }), mode);
  const seen = progressOf(cloud, serial);
  const reply = await cloud.services.commands.command(serial, 'firmware-update', server.args());
  assert.deepEqual(reply.result, { accepted: true });
  const end = await finished(seen);
  assert.equal(end.step, 'failed');
  assert.equal(device.maintenance.firmwareVersion, before);
  assert.match(
    end.error!,
    new RegExp(`The device keeps firmware ${before.replaceAll('.', '\\.')}\\.`),
  );
  assert.deepEqual(await readdir(device.uploads.folder), [], 'no temporary file is left');
  assert.equal(server.requests, 1, 'the single-use URL is asked once');
  return end.error!;
}

describe('firmware-update over the link: the happy path', () => {
  for (const dialect of testDialects) {
    it(`[${dialect.name}] downloads, verifies and installs, reporting each step in order`, async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { serial, device } = await linkedDevice(t, cloud);
      const server = await serveFirmware(t, firmwareImage({ model: MODEL, version: '9.1.0' }));
      const seen = progressOf(cloud, serial);

      const reply = await cloud.services.commands.command(serial, 'firmware-update', server.args());
      assert.equal(reply.ok, true);
      assert.deepEqual(reply.result, { accepted: true });
      const end = await finished(seen);

      assert.equal(end.step, 'done');
      const steps = seen.map((event) => event.step);
      assert.deepEqual([...new Set(steps)], ['downloading', 'verifying', 'installing', 'done']);
      const percents = seen.filter((e) => e.step === 'downloading').map((e) => e.percent);
      assert.equal(percents[0], 0);
      assert.equal(percents.at(-1), 100);
      assert.ok(percents.length <= 11, 'at most one report per tenth');
      for (let i = 1; i < percents.length; i++) assert.ok(percents[i]! > percents[i - 1]!);
      assert.equal(device.maintenance.firmwareVersion, '9.1.0');
      await waitFor('the cloud to see the new firmware', async () => {
        return (await deviceRow(cloud, serial)).firmware === '9.1.0';
      });
      assert.deepEqual(await readdir(device.uploads.folder), []);
      // What a person sees on the device: its log has the update (the vendor's event kind).
      const channel = device.eventLog.subscribe({ include: 'all', filter: 'FirmwareUpdated' });
      const logged = await device.eventLog.pull(channel, 0);
      assert.deepEqual(
        logged.map((entry) => entry.params),
        [{ version: '9.1.0' }],
      );
    });
  }
});

describe('firmware-update over the link: a download that goes wrong keeps the old firmware', () => {
  it('refuses an image corrupted in flight (one byte flipped) with the digest reason', async (t) => {
    const reason = await failedUpdate(t, 'corrupt');
    assert.match(reason, /does not match its SHA-256 digest; it was changed in transit/);
  });

  it('refuses a body shorter than the announced size', async (t) => {
    const reason = await failedUpdate(t, 'truncated');
    assert.match(reason, /ended after \d+ of \d+ bytes/);
  });

  it('stops a body longer than the announced size at that size', async (t) => {
    const reason = await failedUpdate(t, 'longer');
    assert.match(reason, /longer than the \d+ bytes the cloud announced/);
  });

  it('reports a 404 from the cloud as a used or expired link', async (t) => {
    const reason = await failedUpdate(t, 'not-found');
    assert.match(reason, /HTTP 404; the download link may have expired or been used already/);
  });

  it('gives up on a server that stops sending, after the stall timeout', async (t) => {
    const reason = await failedUpdate(t, 'held', { stallMs: 300 });
    assert.match(reason, /stalled: no data came for/);
  });

  it('gives up on a download that keeps coming but too slowly, after the total bound', async (t) => {
    const reason = await failedUpdate(t, 'drip', { totalMs: 500, stallMs: 10_000 });
    assert.match(reason, /did not finish within 0\.5 seconds/);
  });
});

describe('firmware-update over the link: what the device refuses', () => {
  it('answers busy to a second update while one runs, and finishes the first', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const { serial, device } = await linkedDevice(t, cloud);
    const server = await serveFirmware(
      t,
      firmwareImage({ model: MODEL, version: '9.1.0' }),
      'held',
    );
    const seen = progressOf(cloud, serial);
    const first = await cloud.services.commands.command(serial, 'firmware-update', server.args());
    assert.equal(first.ok, true);
    await waitFor('the download to start', () => server.requests === 1);

    const second = await cloud.services.commands.command(
      serial,
      'firmware-update',
      server.args('rollout-2'),
    );
    assert.deepEqual({ ok: second.ok, error: second.error }, { ok: false, error: 'busy' });

    server.release();
    assert.equal((await finished(seen)).step, 'done');
    assert.equal(server.requests, 1);
    assert.ok(seen.every((event) => event.rolloutId === 'rollout-1'));
    assert.equal(device.maintenance.firmwareVersion, '9.1.0');
  });

  it('fails an image for another model with the model reason', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const { serial, device } = await linkedDevice(t, cloud);
    const before = device.maintenance.firmwareVersion;
    const server = await serveFirmware(
      t,
      firmwareImage({ model: '2N IP Force', version: '9.1.0' }),
    );
    const seen = progressOf(cloud, serial);
    await cloud.services.commands.command(serial, 'firmware-update', server.args());
    const end = await finished(seen);
    assert.equal(end.step, 'failed');
    assert.match(end.error!, /This firmware is for a 2N IP Force; this device is a 2N IP Verso/);
    assert.equal(device.maintenance.firmwareVersion, before);
    assert.deepEqual(await readdir(device.uploads.folder), []);
  });

  it('answers already-installed for the version it runs, and downloads nothing', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const { serial, device } = await linkedDevice(t, cloud);
    const version = device.maintenance.firmwareVersion;
    const server = await serveFirmware(t, firmwareImage({ model: MODEL, version }));
    const reply = await cloud.services.commands.command(serial, 'firmware-update', server.args());
    assert.deepEqual(
      { ok: reply.ok, error: reply.error },
      { ok: false, error: 'already-installed' },
    );
    assert.equal(server.requests, 0);
  });

  it('refuses bad args (no digest, an image above the device limit) without downloading', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const { serial } = await linkedDevice(t, cloud);
    const server = await serveFirmware(t, firmwareImage({ model: MODEL, version: '9.1.0' }));
    const noDigest = { ...server.args(), sha256: 'not-a-digest' };
    const tooBig = { ...server.args(), bytes: MAX_FIRMWARE_BYTES + 1 };
    for (const args of [noDigest, tooBig]) {
      const reply = await cloud.services.commands.command(serial, 'firmware-update', args);
      assert.equal(reply.ok, false);
      assert.match(reply.error!, /^bad-args: /);
    }
    assert.equal(server.requests, 0);
  });
});
