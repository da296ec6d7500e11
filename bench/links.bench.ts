import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openCloud } from '../src/cloud/cloud.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { cliPath, freePort } from '../test/helpers/processes.ts';
import { benchDir, mintIdentities, round, rssBytes, startChild } from './harness.ts';

export interface LinkFigures {
  devices: number;
  target: 'latchkey' | 'mosquitto';
  connected: number;
  /** From starting the fleet process to the last device linked. */
  connectSeconds: number;
  /** Links per second once the devices were started (fleet start-up excluded). */
  connectsPerSecond: number;
  memoryPerDeviceKiB: number;
  heldAfterSeconds: number;
}

/** Devices per fleet process: several processes share the load and stay far below fd limits. */
const DEVICES_PER_FLEET = 5000;

/**
 * Runs one `latchkey fleet` per folder of `parts` against `url`, and resolves when `count`
 * devices are linked in all of them together.
 */
async function runFleets(parts: string[], url: string, count: number) {
  const fleets = parts.map((identities) =>
    spawn(
      process.execPath,
      [cliPath, 'fleet', '--identities', identities, '--cloud', url, '--link-when-started', '64'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  const started = performance.now();
  let firstLinked = 0;
  const linked = fleets.map(() => 0);
  const total = () => linked.reduce((sum, n) => sum + n, 0);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${total()}/${count} linked in time`)),
      600_000,
    );
    fleets.forEach((fleet, i) => {
      fleet.once('exit', (code) => reject(new Error(`a fleet process exited with ${code}`)));
      createInterface({ input: fleet.stderr! }).on('line', (line) => {
        const match = /Linked to the cloud: (\d+)\/(\d+)/.exec(line);
        if (!match) return;
        linked[i] = Number(match[1]);
        firstLinked ||= performance.now();
        if (total() >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
  const now = performance.now();
  return {
    seconds: (now - started) / 1000,
    linkingSeconds: Math.max(0.001, (now - firstLinked) / 1000),
    connected: total(),
    async stop() {
      await Promise.all(
        fleets.map(async (fleet) => {
          fleet.removeAllListeners('exit');
          const exited = new Promise((resolve) => fleet.once('exit', resolve));
          fleet.kill('SIGTERM');
          await exited;
        }),
      );
    },
  };
}

async function settle(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How many emulated devices (`latchkey fleet`, in processes of their own) one cloud process holds, how
 * fast they connect, and the cloud's memory per linked device; then the same fleet against
 * Mosquitto as the reference broker.
 */
export async function benchLinks(options: {
  devices: number;
  holdSeconds: number;
  /** Write a `--cpu-prof` profile of the cloud process here. */
  cpuProfileDir?: string;
}): Promise<LinkFigures[]> {
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-links-'));
  try {
    const parts: string[] = [];
    for (let done = 0; done < options.devices; done += DEVICES_PER_FLEET) {
      const part = join(folder, `fleet-${parts.length}`);
      await mintIdentities(
        database.dataDir,
        Math.min(DEVICES_PER_FLEET, options.devices - done),
        part,
      );
      parts.push(part);
    }
    const figures: LinkFigures[] = [];
    /** Links the fleet to `url`, holds the links, and reads the server's memory growth. */
    const measure = async (
      target: LinkFigures['target'],
      pid: number,
      url: string,
      countOnline: (() => Promise<number>) | null,
    ): Promise<LinkFigures> => {
      await settle(1000);
      const before = rssBytes(pid);
      const fleet = await runFleets(parts, url, options.devices);
      await settle(options.holdSeconds * 1000);
      const after = rssBytes(pid);
      try {
        return {
          devices: options.devices,
          target,
          // After the hold: links that keep-alive did not keep are not counted.
          connected: countOnline ? await countOnline() : fleet.connected,
          connectSeconds: round(fleet.seconds, 2),
          connectsPerSecond: round(options.devices / fleet.linkingSeconds, 0),
          memoryPerDeviceKiB: round((after - before) / options.devices / 1024, 1),
          heldAfterSeconds: options.holdSeconds,
        };
      } finally {
        await fleet.stop();
      }
    };

    const server = await startChild<{ url: string; pid: number }>(
      `${benchDir}cloud.child.ts`,
      [database.dataDir],
      options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [],
    );
    try {
      figures.push(
        await measure('latchkey', server.ready.pid, server.ready.url, async () => {
          const check = await openCloud({ dataDir: database.dataDir });
          try {
            const online = await check.store.db
              .selectFrom('devices')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('online', '=', 1)
              .executeTakeFirstOrThrow();
            return Number(online.n);
          } finally {
            await check.store.close();
          }
        }),
      );
    } finally {
      await server.stop();
    }

    const port = await freePort();
    const config = join(folder, 'mosquitto.conf');
    writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_keepalive 300\n`);
    const mosquitto = spawn('/usr/sbin/mosquitto', ['-c', config], { stdio: 'ignore' });
    try {
      await settle(500);
      figures.push(await measure('mosquitto', mosquitto.pid!, `mqtt://127.0.0.1:${port}`, null));
    } finally {
      mosquitto.kill('SIGTERM');
    }
    return figures;
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await database.drop();
  }
}
