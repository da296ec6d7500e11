import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { newSiteBackupKeys, openForDevice, sealToSite } from '../../src/core/backup-seal.ts';
import { configToXml } from '../../src/device/config.xml.ts';
import { backupRows, sitePrivateKey, storedBackup } from '../helpers/backups.ts';
import { startCloud, type RunningCloud } from '../../src/cloud/cloud.ts';
import { snapshotTables, TestClock, waitUntilDisconnected } from '../helpers/cloud.ts';
import { postgresTestDialect, testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
} from '../helpers/factories.ts';
import { startTestBroker } from '../scale/mosquitto.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { waitFor } from '../helpers/wait.ts';
import { startDoorSite } from '../link/door.helpers.ts';

const backupsPath = (siteId: string, serial: string) =>
  `/api/sites/${siteId}/devices/${serial}/backups`;

type DoorSite = Awaited<ReturnType<typeof startDoorSite>>;

/** Waits until the site's directory reached the device, so that its configuration holds still. */
async function settled({ cloud, site, emulator }: DoorSite) {
  await waitFor(
    "the site's directory on the device",
    () => emulator.running.device.config.current.directory.cloud?.siteId === site.id,
  );
  await cloud.services.autoProvisioning.idle();
}

const switchEnabled = (door: DoorSite, number: number) =>
  door.emulator.running.device.config.current.switches[number - 1]!.enabled;

/** A pending backup row and a fresh upload URL for it, as backUp makes them. */
async function pendingUpload({ cloud, site, serial }: DoorSite) {
  const id = randomUUID();
  await cloud.store.db
    .insertInto('device_backups')
    .values({
      id,
      serial_number: serial,
      site_id: site.id,
      company_id: site.companyId,
      state: 'pending',
      reason: 'manual',
      day: null,
      bytes: null,
      content: null,
      error: null,
      created_by: null,
      created_at: new Date().toISOString(),
      stored_at: null,
    })
    .execute();
  const token = await cloud.services.linkTransfers.issue({
    serialNumber: serial,
    kind: 'backup-upload',
    ref: id,
  });
  return { id, url: `${cloud.url}/link/backups/${token}` };
}

const put = (url: string, body: Buffer) =>
  fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });

for (const dialect of testDialects) {
  describe(`configuration backups in the cloud (${dialect.name})`, () => {
    it("backs up on demand: stored, opened only with the site's key, holding the device's XML", async (t) => {
      const door = await startDoorSite(t, dialect);
      const { cloud, owner, site, serial, emulator } = door;
      await settled(door);
      const made = await owner.client.post(backupsPath(site.id, serial));
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.reason, 'manual');
      assert.equal(made.body.createdBy, owner.email);
      const list = await owner.client.get(backupsPath(site.id, serial));
      assert.deepEqual(
        list.body.items.map((b: { id: string }) => b.id),
        [made.body.id],
      );
      const key = await sitePrivateKey(cloud, cloud.database.dataDir, site.id);
      const { row, opened } = await storedBackup(cloud, made.body.id, key);
      assert.equal(row.state, 'stored');
      assert.ok(opened.ok);
      assert.equal(
        opened.value.toString('utf8'),
        configToXml(emulator.running.device.config.current),
      );
      const other = await storedBackup(cloud, made.body.id, newSiteBackupKeys().privateKey);
      assert.equal(other.opened.ok, false);
    });

    it('restores: a changed setting comes back, and after a factory reset the directory and settings do', async (t) => {
      const door = await startDoorSite(t, dialect);
      const { cloud, owner, site, serial, emulator } = door;
      const device = emulator.running.device;
      await settled(door);
      await device.directory.create(
        [{ name: 'Jana Local', treepath: '/3', access: { pin: '2468' } }],
        false,
      );
      await device.switches.configure(2, { enabled: false });
      const made = await owner.client.post(backupsPath(site.id, serial));
      assert.equal(made.status, 201, made.text);

      await device.switches.configure(2, { enabled: true });
      const restore = `${backupsPath(site.id, serial)}/${made.body.id}/restore`;
      const back = await owner.client.post(restore);
      assert.equal(back.status, 200, back.text);
      assert.equal(switchEnabled(door, 2), false);

      await device.maintenance.factoryReset({ network: false });
      assert.equal(switchEnabled(door, 2), true);
      assert.equal(
        device.directory.list().some((u) => u.name === 'Jana Local'),
        false,
      );
      await waitFor('the device online after its reset', () => emulator.link.connected);
      const again = await owner.client.post(restore);
      assert.equal(again.status, 200, again.text);
      assert.ok(device.directory.list().some((u) => u.name === 'Jana Local'));
      assert.equal(switchEnabled(door, 2), false);

      const audits = await cloud.store.db
        .selectFrom('audit_events')
        .select(['outcome', 'actor_email'])
        .where('action', '=', 'device.config-restored-from-cloud')
        .execute();
      assert.equal(audits.length, 2);
      const told = await cloud.store.db
        .selectFrom('notifications')
        .select('kind')
        .where('kind', '=', 'backup-restored')
        .execute();
      assert.equal(told.length, 2);
    });

    it('keeps the last N backups of a device, pruning the oldest', async (t) => {
      const { owner, site, serial } = await startDoorSite(t, dialect);
      const set = await owner.client.patch(`/api/sites/${site.id}/backup-settings`, { keep: 2 });
      assert.deepEqual(set.body, { daily: false, keep: 2 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const made = await owner.client.post(backupsPath(site.id, serial));
        assert.equal(made.status, 201, made.text);
        ids.push(made.body.id);
      }
      const list = await owner.client.get(backupsPath(site.id, serial));
      assert.deepEqual(
        list.body.items.map((b: { id: string }) => b.id).sort(),
        ids.slice(1).sort(),
      );
      for (const keep of [0, 31]) {
        const refused = await owner.client.patch(`/api/sites/${site.id}/backup-settings`, { keep });
        assertErrorBody(refused, 400, 'VALIDATION_FAILED');
      }
    });

    it('daily: each online device once a day, again after 24 hours', async (t) => {
      const clock = new TestClock();
      const { cloud, owner, site, serial } = await startDoorSite(t, dialect, { clock });
      const on = await owner.client.patch(`/api/sites/${site.id}/backup-settings`, { daily: true });
      assert.deepEqual(on.body, { daily: true, keep: 7 });
      const first = clock.now().toISOString().slice(0, 10);
      await cloud.services.deviceBackups.runDaily();
      await cloud.services.deviceBackups.runDaily();
      assert.deepEqual(
        (await backupRows(cloud, serial)).map((r) => [r.state, r.reason, r.day]),
        [['stored', 'daily', first]],
      );
      clock.advance(12 * 60 * 60 * 1000);
      await cloud.services.deviceBackups.runDaily();
      assert.equal((await backupRows(cloud, serial)).length, 1);
      clock.advance(13 * 60 * 60 * 1000);
      const second = clock.now().toISOString().slice(0, 10);
      await cloud.services.deviceBackups.runDaily();
      assert.deepEqual(
        (await backupRows(cloud, serial)).map((r) => [r.state, r.day]),
        [
          ['stored', first],
          ['stored', second],
        ],
      );
    });

    it('daily: failing three days in a row tells the site admins once', async (t) => {
      const clock = new TestClock();
      const { cloud, owner, site, serial, emulator } = await startDoorSite(t, dialect, { clock });
      await owner.client.patch(`/api/sites/${site.id}/backup-settings`, { daily: true });
      // The device is online, but its uploads go nowhere: each day's backup fails.
      cloud.services.linkTransfers.issue = async () => 'x'.repeat(43);
      assert.equal(emulator.link.connected, true);
      for (let day = 0; day < 4; day++) {
        await cloud.services.deviceBackups.runDaily();
        clock.advance(24 * 60 * 60 * 1000);
      }
      const rows = await backupRows(cloud, serial);
      assert.deepEqual(
        rows.map((r) => r.state),
        ['failed', 'failed', 'failed', 'failed'],
      );
      const told = await cloud.store.db
        .selectFrom('notifications')
        .select(['user_id', 'serial_number'])
        .where('kind', '=', 'backup-failing')
        .execute();
      assert.deepEqual(told, [{ user_id: owner.user.id, serial_number: serial }]);
    });

    it("a moved device's backups stay with the old site", async (t) => {
      const door = await startDoorSite(t, dialect);
      const { owner, site, serial } = door;
      const made = await owner.client.post(backupsPath(site.id, serial));
      assert.equal(made.status, 201, made.text);
      const next = await createSite(owner.client, 'Second site');
      const moved = await owner.client.post(`/api/devices/${serial}/move`, { siteId: next.id });
      assert.equal(moved.status, 200, moved.text);

      const seen = await owner.client.get(backupsPath(next.id, serial));
      assert.deepEqual(seen.body.items, []);
      const fromNew = await owner.client.post(
        `${backupsPath(next.id, serial)}/${made.body.id}/restore`,
      );
      assertErrorBody(fromNew, 404, 'BACKUP_NOT_FOUND');
      const fromOld = await owner.client.post(
        `${backupsPath(site.id, serial)}/${made.body.id}/restore`,
      );
      assertErrorBody(fromOld, 404, 'DEVICE_NOT_IN_SITE');
      const oldList = await owner.client.get(backupsPath(site.id, serial));
      assert.equal(oldList.body.items.length, 1);
    });

    it('a viewer sees the list but cannot back up or restore; another company sees nothing', async (t) => {
      const door = await startDoorSite(t, dialect);
      const { cloud, owner, site, serial } = door;
      const made = await owner.client.post(backupsPath(site.id, serial));
      const viewer = await registerAccount(cloud, { name: 'Vera Viewer' });
      await joinCompany(cloud, viewer, site.companyId, 'member', [
        { siteId: site.id, role: 'viewer' },
      ]);
      viewer.client.companyId = site.companyId;
      const list = await viewer.client.get(backupsPath(site.id, serial));
      assert.equal(list.status, 200, list.text);
      assertErrorBody(
        await viewer.client.post(backupsPath(site.id, serial)),
        403,
        'INSUFFICIENT_ROLE',
      );
      assertErrorBody(
        await viewer.client.post(`${backupsPath(site.id, serial)}/${made.body.id}/restore`),
        403,
        'INSUFFICIENT_ROLE',
      );
      assertErrorBody(
        await viewer.client.patch(`/api/sites/${site.id}/backup-settings`, { daily: true }),
        403,
        'INSUFFICIENT_ROLE',
      );
      const stranger = await registerAccount(cloud, { name: 'Sam Stranger' });
      for (const response of [
        await stranger.client.get(backupsPath(site.id, serial)),
        await stranger.client.post(backupsPath(site.id, serial)),
        await stranger.client.post(`${backupsPath(site.id, serial)}/${made.body.id}/restore`),
        await stranger.client.get(`/api/sites/${site.id}/backup-settings`),
      ]) {
        assertErrorBody(response, 404, 'SITE_NOT_FOUND');
      }
      assert.equal((await backupRows(cloud, serial)).length, 1);
    });

    it('the restore URL: sealed for its device only, works once, and not once the device left the site', async (t) => {
      const door = await startDoorSite(t, dialect);
      const { cloud, owner, site, serial, emulator } = door;
      const made = await owner.client.post(backupsPath(site.id, serial));
      assert.equal(made.status, 201, made.text);
      const issue = () =>
        cloud.services.linkTransfers.issue({
          serialNumber: serial,
          kind: 'backup-restore',
          ref: made.body.id,
        });
      const url = `${cloud.url}/link/backups/${await issue()}`;
      const first = await fetch(url);
      assert.equal(first.status, 200);
      const sealed = Buffer.from(await first.arrayBuffer());
      const { identity } = emulator.running.device;
      assert.equal(openForDevice(sealed, identity.secret, identity.serialNumber).ok, true);
      assert.equal(openForDevice(sealed, randomBytes(32), identity.serialNumber).ok, false);
      assert.equal((await fetch(url)).status, 404);

      const later = `${cloud.url}/link/backups/${await issue()}`;
      const next = await createSite(owner.client, 'Second site');
      const moved = await owner.client.post(`/api/devices/${serial}/move`, { siteId: next.id });
      assert.equal(moved.status, 200, moved.text);
      assert.equal((await fetch(later)).status, 404);
    });

    it('the upload URL: used twice, a 3 MiB body or a forged body are refused and store nothing', async (t) => {
      const door = await startDoorSite(t, dialect);
      const { cloud, site } = door;
      const huge = await pendingUpload(door);
      const before = await snapshotTables(cloud);
      const tooBig = await put(huge.url, Buffer.alloc(3 * 1024 * 1024));
      assert.equal(tooBig.status, 413);
      assert.deepEqual(await snapshotTables(cloud), before);

      const forged = await pendingUpload(door);
      // Sealed, but to a key that is not the site's.
      const foreign = sealToSite(Buffer.from('<config/>'), newSiteBackupKeys().publicKey);
      assert.ok(foreign.ok);
      const refused = await put(forged.url, foreign.value);
      assert.equal(refused.status, 400);
      assert.equal(
        ((await refused.json()) as { error: { code: string } }).error.code,
        'BACKUP_INVALID',
      );
      const rows = await backupRows(cloud, door.serial);
      assert.equal(rows.find((r) => r.id === forged.id)!.state, 'failed');

      const twice = await pendingUpload(door);
      const sitePublic = (
        await cloud.store.db
          .selectFrom('site_backup_keys')
          .select('public_key')
          .where('site_id', '=', site.id)
          .executeTakeFirstOrThrow()
      ).public_key;
      const sealed = sealToSite(Buffer.from('<config/>'), sitePublic);
      assert.ok(sealed.ok);
      assert.equal((await put(twice.url, sealed.value)).status, 204);
      const again = await put(twice.url, sealed.value);
      assert.equal(again.status, 404);
      const stored = (await backupRows(cloud, door.serial)).filter((r) => r.state === 'stored');
      assert.deepEqual(
        stored.map((r) => r.id),
        [twice.id],
      );
      const noToken = await put(`${cloud.url}/link/backups/${'A'.repeat(43)}`, sealed.value);
      assert.equal(noToken.status, 404);
    });
  });
}

describe('daily backups with two cloud nodes on one PostgreSQL and one Mosquitto', () => {
  it('back each device up once a day, whichever node ticks', async (t) => {
    const broker = await startTestBroker(t);
    const database = await postgresTestDialect.create();
    const clock = new TestClock();
    const nodes: RunningCloud[] = [];
    t.after(async () => {
      try {
        await Promise.all(nodes.map((node) => node.close()));
        await waitUntilDisconnected(database.databaseUrl!);
      } finally {
        await database.drop();
      }
    });
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startCloud({
          dataDir: database.dataDir,
          databaseUrl: database.databaseUrl,
          port: 0,
          host: '127.0.0.1',
          brokerUrl: broker.adminUrl,
          brokerProvisionIntervalMs: 100,
          backupTickMs: 50,
          clock,
        }),
      );
    }
    const [first, second] = nodes as [RunningCloud, RunningCloud];
    const owner = await registerAccount(first, { name: 'Olga Owner' });
    const site = await createSite(owner.client, 'Two nodes');
    const devices = await mintDevices(first, 2);
    for (const device of devices) {
      const added = await claim(owner.client, site.id, device.serialNumber, device.securityCode);
      assert.equal(added.status, 201, added.text);
      await startLinkedEmulator(t, device, broker.url);
    }
    await waitFor('both devices online', async () => {
      const list = await owner.client.get(`/api/sites/${site.id}/devices`);
      return list.body.items?.every((d: { online: boolean }) => d.online) === true;
    });
    const on = await owner.client.patch(`/api/sites/${site.id}/backup-settings`, { daily: true });
    assert.equal(on.status, 200, on.text);
    for (const device of devices) {
      await waitFor(`a daily backup of ${device.serialNumber}`, async () =>
        (await backupRows(first, device.serialNumber)).some((r) => r.state === 'stored'),
      );
    }
    // Both nodes at once, again: the day of each device is claimed already.
    await Promise.all([
      first.services.deviceBackups.runDaily(),
      second.services.deviceBackups.runDaily(),
    ]);
    for (const device of devices) {
      const rows = await backupRows(first, device.serialNumber);
      assert.deepEqual(
        rows.map((r) => [r.state, r.reason]),
        [['stored', 'daily']],
      );
    }
  });
});
