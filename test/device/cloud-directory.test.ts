import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { ProvisionArgs } from '../../src/core/provisioning.protocol.ts';
import { directoryEntryFor } from '../../src/core/provisioning.rules.ts';
import { startTestDevice } from './helpers.ts';

const SITE_A = randomUUID();
const SITE_B = randomUUID();

/** A whole version of one site with one cloud-managed entry named `name`. */
const version = (siteId: string, number: number, name: string): ProvisionArgs => ({
  siteId,
  version: number,
  base: 0,
  part: 1,
  parts: 1,
  upserts: [
    directoryEntryFor(
      {
        id: randomUUID(),
        siteId,
        apartmentId: randomUUID(),
        apartmentName: '12',
        name,
        email: null,
        pins: [],
        cards: [],
        validFrom: null,
        validTo: null,
        enabled: true,
        callTarget: null,
        access: [],
      },
      '00-0000-0000',
    ),
  ],
  deletes: [],
});

const cloudNames = (running: Awaited<ReturnType<typeof startTestDevice>>) =>
  running.device.directory
    .list()
    .filter((u) => u.owner === 'My2N')
    .map((u) => u.name);

test("a move's wipe that waited behind the new site's version does not wipe that version", async (t) => {
  const running = await startTestDevice(t);
  const directory = running.device.cloudDirectory;
  assert.equal((await directory.provision(version(SITE_A, 1, 'Old tenant'))).ok, true);

  // The new site's version is queued first; set-ownership for the new site reads "site A held"
  // before that version is written, and its wipe runs after it.
  const applying = directory.provision(version(SITE_B, 2, 'New tenant'));
  const wiping = directory.ownerChanged(SITE_B);
  const [applied, wiped] = await Promise.all([applying, wiping]);

  assert.equal(applied.ok, true);
  assert.equal(wiped, false, 'nothing of another site was left to wipe');
  assert.deepEqual(cloudNames(running), ['New tenant']);
  assert.deepEqual(directory.held(), { siteId: SITE_B, version: 2 });
});

test('set-ownership naming another site wipes the cloud entries and says so; local ones stay', async (t) => {
  const running = await startTestDevice(t);
  const directory = running.device.cloudDirectory;
  await running.device.directory.create([{ name: 'Installer entry' }], false);
  await directory.provision(version(SITE_A, 1, 'Old tenant'));

  assert.equal(await directory.ownerChanged(SITE_B), true);
  assert.deepEqual(cloudNames(running), []);
  assert.deepEqual(directory.held(), { siteId: null, version: 1 });
  assert.ok(running.device.directory.list().some((u) => u.name === 'Installer entry'));
  assert.equal(await directory.ownerChanged(null), false, 'nothing left to wipe');
});
