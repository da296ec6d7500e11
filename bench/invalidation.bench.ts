import { mkdtempSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { openCloud } from '../src/cloud/cloud.ts';
import { startFleet } from '../src/device/fleet.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { benchDir, mintIdentities, percentile, round, startChild } from './harness.ts';

export interface InvalidationFigures {
  devices: number;
  /** The cloud's nice value when it ran ahead of the emulated devices; null: equal priority. */
  cloudNice: number | null;
  /** From the first press to the last: the fleet presses one device per turn of its loop. */
  pressSpreadMs: number;
  /** Devices in the cloud's registry, the linked ones included. */
  registrySize: number;
  /** Button press to the cloud knowing the new generation (refusing the old code). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The device's own share: press to the new generation announced on the link. */
  deviceP50Ms: number;
  deviceP99Ms: number;
  /** The link's and the cloud's share: announced to known by the cloud. */
  linkP50Ms: number;
  linkP99Ms: number;
  /** Press to the new generation stored on the device's disk and its new code shown. */
  storedP50Ms: number;
  storedP99Ms: number;
}

const epochMs = () => performance.timeOrigin + performance.now();

/** A worker thread running a TypeScript file (Node strips its types, as for the main thread). */
function startWorker(file: URL, workerData: unknown): Worker {
  return new Worker(file, { workerData });
}

/** Waits until the cloud's database shows `count` devices online. */
async function cloudShowsOnline(file: string, count: number): Promise<void> {
  const reader = new SqliteDatabase(file, { readonly: true });
  try {
    const online = reader.prepare('select count(*) from devices where online = 1').pluck();
    const deadline = performance.now() + 60_000;
    while ((online.get() as number) < count) {
      if (performance.now() > deadline)
        throw new Error('the cloud did not show all devices online');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    reader.close();
  }
}

const percentiles = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
});

/**
 * Time from Generate New on each of `devices` linked devices, all pressed at once, to the
 * cloud knowing the new generation (from then on it refuses the old code as replaced). A worker
 * thread polls the cloud's SQLite file every millisecond, so figures are ±1 ms.
 */
export async function benchInvalidation(options: {
  devices: number;
  /** Mint this many devices in all (at least `devices`); the others stay unlinked. */
  registrySize?: number;
  /**
   * The cloud process's nice value (negative: ahead of the emulated devices). Null: the same as
   * the fleet's. Lowering it needs root; without, the run is at equal priority and says so.
   */
  cloudNice?: number | null;
  /** Write a `--cpu-prof` profile of the cloud process here. */
  cpuProfileDir?: string;
}): Promise<InvalidationFigures> {
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-fleet-'));
  try {
    const registrySize = Math.max(options.devices, options.registrySize ?? options.devices);
    if (registrySize > options.devices) {
      const opened = await openCloud({ dataDir: database.dataDir });
      try {
        await opened.services.registry.mint({
          count: registrySize - options.devices,
          model: '2N IP Verso',
          batchSize: 1000,
        });
      } finally {
        await opened.store.close();
      }
    }
    const files = await mintIdentities(database.dataDir, options.devices, folder);
    const server = await startChild<{ url: string }>(
      `${benchDir}cloud.child.ts`,
      [database.dataDir],
      options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [],
    );
    let cloudNice: number | null = null;
    if (options.cloudNice != null) {
      try {
        setPriority(server.child.pid!, options.cloudNice);
        cloudNice = options.cloudNice;
      } catch {
        // Not root: the run stays at equal priority, and the figures say so (cloudNice null).
      }
    }
    let allLinked: () => void = () => {};
    const linked = new Promise<void>((resolve) => (allLinked = resolve));
    const fleet = await startFleet({
      identityFiles: files,
      cloudUrl: server.ready.url,
      onConnected: (count) => count === files.length && allLinked(),
    });
    try {
      await linked;
      // The devices count themselves linked before the cloud has handled their state, presence
      // and ownership messages: press only once the cloud has settled, not during the storm.
      await cloudShowsOnline(join(database.dataDir, 'latchkey.db'), files.length);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const poller = startWorker(new URL('./generation-poller.worker.ts', import.meta.url), {
        file: join(database.dataDir, 'latchkey.db'),
        serials: fleet.members.map((member) => member.device.identity.serialNumber),
        timeoutMs: 30_000,
      });
      await once(poller, 'message');
      const seen = once(poller, 'message') as Promise<[[string, number][]]>;
      poller.postMessage('start');
      const pressedAt = new Map<string, number>();
      const announcedAt = new Map<string, number>();
      const storedAt = new Map<string, number>();
      // Every press is its own turn of the event loop, as each intercom handles its own button:
      // pressed in one turn, a device's message would wait for the other 999 devices' work
      // before it left the process. Each latency is measured from that device's own press.
      const press = async (member: (typeof fleet.members)[number]) => {
        const serial = member.device.identity.serialNumber;
        member.device.events.once('code-regenerating', () => announcedAt.set(serial, epochMs()));
        pressedAt.set(serial, epochMs());
        await member.device.securityCode.generateNew();
        storedAt.set(serial, epochMs());
      };
      const presses = fleet.members.map(
        (member) =>
          new Promise<void>((resolve, reject) =>
            setImmediate(() => press(member).then(resolve, reject)),
          ),
      );
      const [seenAt] = await seen;
      await Promise.all(presses);
      await poller.terminate();
      const since = (at: Map<string, number> | [string, number][], from: Map<string, number>) =>
        [...at].map(([serial, time]) => time - from.get(serial)!);
      const total = since(seenAt, pressedAt);
      const device = percentiles(since(announcedAt, pressedAt));
      const link = percentiles(since(seenAt, announcedAt));
      const stored = percentiles(since(storedAt, pressedAt));
      return {
        devices: files.length,
        cloudNice,
        pressSpreadMs: round(Math.max(...pressedAt.values()) - Math.min(...pressedAt.values())),
        registrySize,
        p50Ms: percentiles(total).p50,
        p99Ms: percentiles(total).p99,
        maxMs: round(Math.max(...total)),
        deviceP50Ms: device.p50,
        deviceP99Ms: device.p99,
        linkP50Ms: link.p50,
        linkP99Ms: link.p99,
        storedP50Ms: stored.p50,
        storedP99Ms: stored.p99,
      };
    } finally {
      await fleet.close();
      await server.stop();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await database.drop();
  }
}
