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

/** Runs `latchkey fleet` against `url` and resolves when `count` devices are linked. */
async function runFleet(identities: string, url: string, count: number) {
  const fleet = spawn(
    process.execPath,
    [cliPath, 'fleet', '--identities', identities, '--cloud', url],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const started = performance.now();
  let firstLinked = 0;
  let connected = 0;
  const lines = createInterface({ input: fleet.stderr! });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${connected}/${count} linked in time`)),
      600_000,
    );
    lines.on('line', (line) => {
      const match = /Linked to the cloud: (\d+)\/(\d+)/.exec(line);
      if (match) {
        connected = Number(match[1]);
        firstLinked ||= performance.now();
      }
      if (connected >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await done;
  const now = performance.now();
  return {
    seconds: (now - started) / 1000,
    linkingSeconds: Math.max(0.001, (now - firstLinked) / 1000),
    connected,
    async stop() {
      const exited = new Promise((resolve) => fleet.once('exit', resolve));
      fleet.kill('SIGTERM');
      await exited;
    },
  };
}

async function settle(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How many emulated devices (`latchkey fleet`, its own process) one cloud process holds, how
 * fast they connect, and the cloud's memory per linked device; then the same fleet against
 * Mosquitto as the reference broker.
 */
export async function benchLinks(options: {
  devices: number;
  holdSeconds: number;
}): Promise<LinkFigures[]> {
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-links-'));
  try {
    await mintIdentities(database.dataDir, options.devices, folder);
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
      const fleet = await runFleet(folder, url, options.devices);
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

    const server = await startChild<{ url: string; pid: number }>(`${benchDir}cloud.child.ts`, [
      database.dataDir,
    ]);
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
