// node bench/provisioning.bench.ts [--quick]: Auto Provisioning (issue 17) of one site's residents
// to linked devices. Benchmarks are not tests: nothing here asserts a timing.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startCloud, type RunningCloud } from '../src/cloud/cloud.ts';
import { writeIdentityFile } from '../src/cloud/identity.writer.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { cliPath } from '../test/helpers/processes.ts';
import { round } from './harness.ts';

export interface ProvisioningFigures {
  devices: number;
  residents: number;
  /** From the residents' change to every device in sync. */
  fullSeconds: number;
  fullBytes: number;
  fullParts: number;
  /** The cloud's CPU time (user + system) per device for the full sync. */
  cloudCpuMsPerDevice: number;
  /** One resident's name changed: until every device holds it again (a delta). */
  oneChangeSeconds: number;
  oneChangeBytes: number;
  /** The baseline: another resident changed, sent as full replacements ("sync now"). */
  oneChangeFullSeconds: number;
  oneChangeFullBytes: number;
  /** Bytes of the full replacement ÷ bytes of the delta, for one change. */
  fullToDeltaBytesRatio: number;
}

const SECRET_FREE_CODE_GENERATION = 0;

/** Links `folder`'s devices from a `latchkey fleet` child process; resolves once all are linked. */
async function startFleet(folder: string, url: string, count: number) {
  const fleet = spawn(
    process.execPath,
    [cliPath, 'fleet', '--identities', folder, '--cloud', url, '--link-when-started', '32'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    fleet.once('exit', (code) => reject(new Error(`the fleet exited with ${code}`)));
    createInterface({ input: fleet.stderr! }).on('line', (line) => {
      const match = /Linked to the cloud: (\d+)\//.exec(line);
      if (match && Number(match[1]) >= count) resolve();
    });
  });
  return {
    pid: fleet.pid!,
    async stop() {
      fleet.removeAllListeners('exit');
      const exited = new Promise((resolve) => fleet.once('exit', resolve));
      fleet.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until every device of the site is in sync at a desired version of at least `version`. */
async function allInSync(cloud: RunningCloud, serials: string[], version: number) {
  for (;;) {
    const rows = await cloud.store.db
      .selectFrom('device_sync')
      .select(['state', 'desired_version'])
      .where('serial_number', 'in', serials)
      .execute();
    const done = rows.filter((r) => r.state === 'in-sync' && r.desired_version >= version);
    if (done.length === serials.length) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sentTotal = (cloud: RunningCloud, serials: string[]) =>
  serials.reduce(
    (sum, serial) => {
      const sent = cloud.services.autoProvisioning.sentTo(serial);
      return { parts: sum.parts + sent.parts, bytes: sum.bytes + sent.bytes };
    },
    { parts: 0, bytes: 0 },
  );

/** Writes the site's residents straight into the store, each with switch 1 on every device. */
async function insertResidents(
  cloud: RunningCloud,
  siteId: string,
  serials: string[],
  count: number,
) {
  const apartmentId = randomUUID();
  const now = new Date().toISOString();
  await cloud.store.db
    .insertInto('apartments')
    .values({ id: apartmentId, site_id: siteId, name: '1', floor: null, created_at: now })
    .execute();
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const rows = Array.from({ length: Math.min(100, count - start) }, (_, i) => {
      const id = randomUUID();
      ids.push(id);
      const n = start + i;
      return {
        id,
        site_id: siteId,
        apartment_id: apartmentId,
        name: `Resident ${n}`,
        email: `resident${n}@example.com`,
        credentials_enc: cloud.services.residentCredentials.seal(id, {
          pins: [String(100_000 + n)],
          cards: [(0x10000000 + n).toString(16).toUpperCase()],
        }),
        valid_from: null,
        valid_to: null,
        enabled: 1,
        call_target: `sip:${n}@example.com`,
        created_at: now,
        updated_at: now,
      };
    });
    await cloud.store.db.insertInto('residents').values(rows).execute();
  }
  for (const serial of serials) {
    for (let start = 0; start < ids.length; start += 500) {
      await cloud.store.db
        .insertInto('resident_access')
        .values(
          ids
            .slice(start, start + 500)
            .map((id) => ({ resident_id: id, serial_number: serial, switch: 1 })),
        )
        .execute();
    }
  }
  return ids;
}

/**
 * A site of `residents` residents provisioned to `devices` linked devices (emulated by a
 * `latchkey fleet` child process, so the cloud's CPU time is its own), then one resident
 * changed. The cloud runs in this process on SQLite.
 */
export async function benchProvisioning(options: {
  devices: number;
  residents: number;
}): Promise<ProvisioningFigures> {
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-provisioning-'));
  // Large versions: a device in a busy fleet process may need a while to write 2,000 entries.
  const cloud = await startCloud({
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    port: 0,
    host: '127.0.0.1',
    commandTimeoutMs: 120_000,
  });
  try {
    const minted = await cloud.services.registry.mint({
      count: options.devices,
      model: '2N IP Verso',
    });
    for (const device of minted) {
      writeIdentityFile(join(folder, device.serialNumber, 'identity.json'), device);
    }
    const serials = minted.map((d) => d.serialNumber);
    const now = new Date().toISOString();
    const owner = randomUUID();
    const companyId = randomUUID();
    const siteId = randomUUID();
    await cloud.store.db
      .insertInto('users')
      .values({
        id: owner,
        email: 'bench@example.com',
        name: 'Bench',
        password_hash: 'x',
        created_at: now,
      })
      .execute();
    await cloud.store.db
      .insertInto('companies')
      .values({ id: companyId, name: 'Bench company', created_at: now })
      .execute();
    await cloud.store.db
      .insertInto('sites')
      .values({
        id: siteId,
        company_id: companyId,
        name: 'Bench house',
        type: 'apartment-building',
        created_at: now,
      })
      .execute();
    await cloud.store.db
      .insertInto('ownerships')
      .values(
        serials.map((serial) => ({
          serial_number: serial,
          site_id: siteId,
          claimed_generation: SECRET_FREE_CODE_GENERATION,
          claimed_at: now,
          claimed_by: owner,
        })),
      )
      .execute();
    const fleet = await startFleet(folder, cloud.url, options.devices);
    try {
      // Linked with an empty site: version 1 (no entries) everywhere first.
      await allInSync(cloud, serials, 1);
      const ids = await insertResidents(cloud, siteId, serials, options.residents);
      const before = sentTotal(cloud, serials);
      const cpu = process.cpuUsage();
      let started = performance.now();
      cloud.events.emit('residents-changed', { siteId });
      await allInSync(cloud, serials, 2);
      const fullSeconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const full = sentTotal(cloud, serials);

      await cloud.store.db
        .updateTable('residents')
        .set({ name: 'Renamed resident' })
        .where('id', '=', ids[0]!)
        .execute();
      started = performance.now();
      cloud.events.emit('residents-changed', { siteId });
      await allInSync(cloud, serials, 3);
      const oneChangeSeconds = (performance.now() - started) / 1000;
      const after = sentTotal(cloud, serials);

      await cloud.store.db
        .updateTable('residents')
        .set({ name: 'Renamed again' })
        .where('id', '=', ids[1]!)
        .execute();
      started = performance.now();
      for (const serial of serials) cloud.services.autoProvisioning.syncNow(serial);
      await allInSync(cloud, serials, 4);
      const oneChangeFullSeconds = (performance.now() - started) / 1000;
      const baseline = sentTotal(cloud, serials);
      const fullBytes = full.bytes - before.bytes;
      const oneChangeBytes = after.bytes - full.bytes;
      const oneChangeFullBytes = baseline.bytes - after.bytes;
      return {
        devices: options.devices,
        residents: options.residents,
        fullSeconds: round(fullSeconds, 2),
        fullBytes,
        fullParts: full.parts - before.parts,
        cloudCpuMsPerDevice: round((used.user + used.system) / 1000 / options.devices, 1),
        oneChangeSeconds: round(oneChangeSeconds, 2),
        oneChangeBytes,
        oneChangeFullSeconds: round(oneChangeFullSeconds, 2),
        oneChangeFullBytes,
        fullToDeltaBytesRatio: round(oneChangeFullBytes / Math.max(1, oneChangeBytes), 0),
      };
    } finally {
      await fleet.stop();
    }
  } finally {
    await cloud.close();
    rmSync(folder, { recursive: true, force: true });
    await database.drop();
  }
}

/** The figures as RESULTS.md shows them. */
export function provisioningMarkdown(f: ProvisioningFigures): string[] {
  return [
    '## Auto Provisioning',
    '',
    `One site of ${f.residents.toLocaleString('en')} residents (a PIN and a card each, switch 1 on every device) provisioned to ${f.devices} linked devices (\`latchkey fleet\` in a child process; the cloud in the bench process, SQLite, embedded broker). Bytes are the JSON of the provision commands' args the cloud sent. A change reaches a device that holds the previous version as a delta (the entries changed since); the baseline in the same run sends the next change as full replacements ("sync now" on every device).`,
    '',
    '| figure | measured |',
    '| --- | --- |',
    `| time until all ${f.devices} in sync | ${f.fullSeconds} s |`,
    `| bytes on the link | ${(f.fullBytes / 2 ** 20).toFixed(1)} MiB in ${f.fullParts} parts (${(f.fullBytes / f.devices / 1024).toFixed(0)} KiB per device) |`,
    `| cloud CPU per device | ${f.cloudCpuMsPerDevice} ms |`,
    `| one resident changed → all ${f.devices} hold it (delta) | ${f.oneChangeSeconds} s, ${(f.oneChangeBytes / 1024).toFixed(1)} KiB |`,
    `| baseline: one resident changed, full replacements | ${f.oneChangeFullSeconds} s, ${(f.oneChangeFullBytes / 2 ** 20).toFixed(1)} MiB |`,
    `| bytes, full replacement ÷ delta | ×${f.fullToDeltaBytesRatio} |`,
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
  const figures = await benchProvisioning(
    values.quick ? { devices: 10, residents: 200 } : { devices: 100, residents: 2000 },
  );
  process.stdout.write(
    `${JSON.stringify(figures, null, 2)}\n${provisioningMarkdown(figures).join('\n')}\n`,
  );
}
