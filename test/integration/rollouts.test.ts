import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RolloutStep } from '../../src/cloud/store/schema.ts';
import { startTestCloud, type CleanupContext } from '../helpers/cloud.ts';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator, type LinkedEmulator } from '../helpers/emulators.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { addOperatorFirmware, corruptStoredFirmware } from '../helpers/rollouts.ts';
import { waitFor } from '../helpers/wait.ts';

/** A cloud, a company with a site of `count` linked, online devices. */
async function fleetSite(t: CleanupContext, dialect: TestDialect, count: number, linked = count) {
  const cloud = await startTestCloud(t, dialect, { rollouts: { tickMs: 100 } });
  const owner = await registerAccount(cloud, { name: 'Olga Owner' });
  const site = await createSite(owner.client, 'Vinohradská 12');
  const minted = await mintDevices(cloud, count);
  for (const device of minted) {
    const added = await claim(owner.client, site.id, device.serialNumber, device.securityCode);
    assert.equal(added.status, 201, added.text);
  }
  const emulators = new Map<string, LinkedEmulator>();
  for (const device of minted.slice(0, linked)) {
    emulators.set(device.serialNumber, await startLinkedEmulator(t, device, cloud.url));
  }
  await waitFor('the linked devices online with their firmware', async () => {
    const list = await owner.client.get(`/api/sites/${site.id}/devices`);
    const online = (list.body.items ?? []).filter(
      (item: { online: boolean; firmware: string | null }) => item.online && item.firmware,
    );
    return online.length === linked;
  });
  return { cloud, owner, site, minted, emulators };
}

async function finished(owner: Awaited<ReturnType<typeof registerAccount>>, id: string) {
  return waitFor(
    `rollout ${id} to end`,
    async () => {
      const rollout = await owner.client.get(`/api/rollouts/${id}`);
      return rollout.body.state !== 'running' ? rollout.body : null;
    },
    60_000,
  );
}

for (const dialect of testDialects) {
  describe(`firmware rollouts (${dialect.name})`, () => {
    it('updates every device of a site, one at a time, reporting each step, and is audited', async (t) => {
      const { cloud, owner, site, minted, emulators } = await fleetSite(t, dialect, 3);
      const image = await addOperatorFirmware(cloud, '2.50.0.1');
      let most = 0;
      const steps = new Map<string, RolloutStep[]>();
      cloud.events.on('firmware-progress', ({ serialNumber, progress }) => {
        steps.set(serialNumber, [...(steps.get(serialNumber) ?? []), progress.step]);
      });
      cloud.events.on('rollout-changed', () => {
        void cloud.store.db
          .selectFrom('rollout_devices')
          .select('step')
          .where('step', 'in', ['sent', 'downloading', 'verifying', 'installing'])
          .execute()
          .then((rows) => (most = Math.max(most, rows.length)));
      });
      const started = await owner.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: site.id,
        concurrency: 1,
      });
      assert.equal(started.status, 201, started.text);
      const rollout = await finished(owner, started.body.id);
      assert.equal(rollout.state, 'done');
      assert.deepEqual(rollout.counts, {
        total: 3,
        pending: 0,
        inProgress: 0,
        done: 3,
        failed: 0,
        skipped: 0,
        cancelled: 0,
      });
      assert.equal(most <= 1, true, `at most one device at a time, saw ${most}`);
      for (const device of minted) {
        assert.equal(
          emulators.get(device.serialNumber)!.running.device.maintenance.firmwareVersion,
          '2.50.0.1',
        );
        const seen = steps.get(device.serialNumber) ?? [];
        assert.deepEqual(
          seen.filter((step, index) => step !== seen[index - 1]),
          ['downloading', 'verifying', 'installing', 'done'],
        );
      }
      const listed = await owner.client.get(`/api/sites/${site.id}/devices`);
      assert.deepEqual(
        listed.body.items.map((item: { firmware: string }) => item.firmware),
        ['2.50.0.1', '2.50.0.1', '2.50.0.1'],
      );
      const audit = await owner.client.get(`/api/sites/${site.id}/audit`);
      assert.ok(
        audit.body.items.some(
          (row: { action: string }) => row.action === 'firmware.rollout-started',
        ),
      );
      assert.equal(cloud.services.firmwareDownloads.stats().downloads, 3);
      assert.equal(cloud.services.firmwareDownloads.stats().bytesServed, 3 * image.content.length);
    });

    it('an offline device gets the rollout when it links, until then it waits', async (t) => {
      const { cloud, owner, site, minted } = await fleetSite(t, dialect, 2, 1);
      const image = await addOperatorFirmware(cloud, '2.50.0.2');
      const started = await owner.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: site.id,
      });
      assert.equal(started.status, 201, started.text);
      const late = minted[1]!.serialNumber;
      await waitFor('the online device done', async () => {
        const rollout = await owner.client.get(`/api/rollouts/${started.body.id}`);
        return rollout.body.counts.done === 1 ? rollout.body : null;
      });
      const waiting = await owner.client.get(`/api/rollouts/${started.body.id}`);
      assert.equal(waiting.body.state, 'running');
      assert.equal(
        waiting.body.devices.find((d: { serialNumber: string }) => d.serialNumber === late).step,
        'pending',
      );
      const emulator = await startLinkedEmulator(t, minted[1]!, cloud.url);
      const rollout = await finished(owner, started.body.id);
      assert.equal(rollout.state, 'done');
      assert.equal(emulator.running.device.maintenance.firmwareVersion, '2.50.0.2');
    });

    it('an image corrupted in flight fails on the device, which keeps its firmware; more than K % failed stops the rollout', async (t) => {
      const { cloud, owner, site, emulators } = await fleetSite(t, dialect, 3);
      const image = await addOperatorFirmware(cloud, '2.50.0.3');
      await corruptStoredFirmware(cloud, image.sha256);
      const before = [...emulators.values()][0]!.running.device.maintenance.firmwareVersion;
      const started = await owner.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: site.id,
        concurrency: 1,
        stopWhenFailedPercent: 30,
      });
      assert.equal(started.status, 201, started.text);
      const rollout = await finished(owner, started.body.id);
      assert.equal(rollout.state, 'stopped');
      assert.equal(rollout.counts.failed, 1);
      assert.equal(rollout.counts.skipped, 2);
      const failed = rollout.devices.find((d: { step: string }) => d.step === 'failed');
      assert.match(failed.error, /SHA-256/);
      for (const emulator of emulators.values()) {
        assert.equal(emulator.running.device.maintenance.firmwareVersion, before);
      }
    });

    it('a downgrade is refused until it is confirmed', async (t) => {
      const { cloud, owner, site } = await fleetSite(t, dialect, 1);
      const image = await addOperatorFirmware(cloud, '1.0.0');
      const refused = await owner.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: site.id,
      });
      assertErrorBody(refused, 409, 'ROLLOUT_DOWNGRADE_UNCONFIRMED');
      assert.equal(
        await cloud.store.db
          .selectFrom('rollouts')
          .selectAll()
          .execute()
          .then((r) => r.length),
        0,
      );
      const confirmed = await owner.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: site.id,
        allowDowngrade: true,
      });
      assert.equal(confirmed.status, 201, confirmed.text);
      assert.equal((await finished(owner, confirmed.body.id)).state, 'done');
    });

    it('cancel: devices not yet sent the update are not sent it', async (t) => {
      const { cloud, owner, site } = await fleetSite(t, dialect, 2, 0);
      const image = await addOperatorFirmware(cloud, '2.50.0.4');
      const started = await owner.client.post('/api/rollouts', {
        firmwareId: image.id,
        siteId: site.id,
      });
      const cancelled = await owner.client.post(`/api/rollouts/${started.body.id}/cancel`, {});
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body.state, 'cancelled');
      assert.equal(cancelled.body.counts.cancelled, 2);
      assertErrorBody(
        await owner.client.post(`/api/rollouts/${started.body.id}/cancel`, {}),
        409,
        'ROLLOUT_FINISHED',
      );
    });

    it("another company's image, device, site and rollout are not found; a viewer may not start one", async (t) => {
      const { cloud, owner, site, minted } = await fleetSite(t, dialect, 1, 0);
      const stranger = await registerAccount(cloud, { name: 'Stan Stranger' });
      const theirSite = await createSite(stranger.client, 'Elsewhere 1');
      const own = await addOperatorFirmware(cloud, '2.50.0.5', { companyId: owner.company.id });
      const operator = await addOperatorFirmware(cloud, '2.50.0.6');
      const serial = minted[0]!.serialNumber;
      assertErrorBody(
        await stranger.client.post('/api/rollouts', { firmwareId: own.id, siteId: theirSite.id }),
        404,
        'FIRMWARE_NOT_FOUND',
      );
      assertErrorBody(
        await stranger.client.post('/api/rollouts', {
          firmwareId: operator.id,
          serialNumbers: [serial],
        }),
        404,
        'ROLLOUT_DEVICE_NOT_FOUND',
      );
      assertErrorBody(
        await stranger.client.post('/api/rollouts', { firmwareId: operator.id, siteId: site.id }),
        404,
        'SITE_NOT_FOUND',
      );
      const started = await owner.client.post('/api/rollouts', {
        firmwareId: operator.id,
        serialNumbers: [serial],
      });
      assert.equal(started.status, 201, started.text);
      assertErrorBody(
        await stranger.client.get(`/api/rollouts/${started.body.id}`),
        404,
        'ROLLOUT_NOT_FOUND',
      );
      assertErrorBody(
        await stranger.client.post(`/api/rollouts/${started.body.id}/cancel`, {}),
        404,
        'ROLLOUT_NOT_FOUND',
      );
      const viewer = await registerAccount(cloud, { name: 'Vera Viewer' });
      await joinCompany(cloud, viewer, owner.company.id, 'member', [
        { siteId: site.id, role: 'viewer' },
      ]);
      viewer.client.companyId = owner.company.id;
      assertErrorBody(
        await viewer.client.post('/api/rollouts', { firmwareId: operator.id, siteId: site.id }),
        403,
        'INSUFFICIENT_ROLE',
      );
      const seen = await viewer.client.get(`/api/rollouts/${started.body.id}`);
      assert.equal(seen.status, 200, seen.text);
    });

    it('a download URL works once, for its own image, and a forged one is refused', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 2);
      const image = await addOperatorFirmware(cloud, '2.50.0.7');
      const token = await cloud.services.linkTransfers.issue({
        serialNumber: device!.serialNumber,
        kind: 'firmware',
        ref: image.id,
      });
      const first = await fetch(`${cloud.url}/link/firmware/${token}`);
      assert.equal(first.status, 200);
      assert.deepEqual(Buffer.from(await first.arrayBuffer()), image.content);
      const again = await fetch(`${cloud.url}/link/firmware/${token}`);
      assert.equal(again.status, 404);
      assert.equal(
        ((await again.json()) as { error: { code: string } }).error.code,
        'LINK_TRANSFER_INVALID',
      );
      const backupToken = await cloud.services.linkTransfers.issue({
        serialNumber: device!.serialNumber,
        kind: 'backup-restore',
        ref: image.id,
      });
      assert.equal((await fetch(`${cloud.url}/link/firmware/${backupToken}`)).status, 404);
      assert.equal((await fetch(`${cloud.url}/link/firmware/${'A'.repeat(43)}`)).status, 404);
      assert.equal((await fetch(`${cloud.url}/link/firmware/x`)).status, 404);
    });
  });
}
