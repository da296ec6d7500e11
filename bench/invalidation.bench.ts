import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { startFleet } from '../src/device/fleet.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { benchDir, mintIdentities, percentile, round, startChild } from './harness.ts';

export interface InvalidationFigures {
  devices: number;
  /** Button press to the cloud knowing the new generation. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The device's own share: press to the new generation stored durably and announced. */
  deviceP50Ms: number;
  deviceP99Ms: number;
  /** The link's and the cloud's share: announced to known by the cloud. */
  linkP50Ms: number;
  linkP99Ms: number;
}

/**
 * Time from Generate New on each of `devices` linked devices, all pressed at once, to the
 * cloud knowing the new generation (from then on it refuses the old code as replaced). The
 * cloud's SQLite file is polled every 2 ms from this process, so figures are ±2 ms.
 */
export async function benchInvalidation(options: {
  devices: number;
}): Promise<InvalidationFigures> {
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-fleet-'));
  try {
    const files = await mintIdentities(database.dataDir, options.devices, folder);
    const server = await startChild<{ url: string }>(`${benchDir}cloud.child.ts`, [
      database.dataDir,
    ]);
    let allLinked: () => void = () => {};
    const linked = new Promise<void>((resolve) => (allLinked = resolve));
    const fleet = await startFleet({
      identityFiles: files,
      cloudUrl: server.ready.url,
      onConnected: (count) => count === files.length && allLinked(),
    });
    try {
      await linked;
      const reader = new SqliteDatabase(join(database.dataDir, 'latchkey.db'), { readonly: true });
      const query = reader.prepare('select serial_number from devices where known_generation >= 1');
      const pressedAt = new Map<string, number>();
      const announcedAt = new Map<string, number>();
      const seenAt = new Map<string, number>();
      const presses = fleet.members.map(async (member) => {
        const serial = member.device.identity.serialNumber;
        member.device.events.once('code-regenerated', () =>
          announcedAt.set(serial, performance.now()),
        );
        pressedAt.set(serial, performance.now());
        await member.device.securityCode.generateNew();
      });
      const deadline = performance.now() + 30_000;
      while (seenAt.size < files.length && performance.now() < deadline) {
        for (const row of query.all() as { serial_number: string }[]) {
          if (!seenAt.has(row.serial_number)) seenAt.set(row.serial_number, performance.now());
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await Promise.all(presses);
      reader.close();
      const latencies = [...seenAt].map(([serial, at]) => at - pressedAt.get(serial)!);
      const device = [...announcedAt].map(([serial, at]) => at - pressedAt.get(serial)!);
      const link = [...seenAt].map(([serial, at]) => at - announcedAt.get(serial)!);
      return {
        devices: files.length,
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        maxMs: round(Math.max(...latencies)),
        deviceP50Ms: round(percentile(device, 50)),
        deviceP99Ms: round(percentile(device, 99)),
        linkP50Ms: round(percentile(link, 50)),
        linkP99Ms: round(percentile(link, 99)),
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
