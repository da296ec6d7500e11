import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openCloud } from '../src/cloud/cloud.ts';
import { writeIdentityFile } from '../src/cloud/identity.writer.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { cliPath, freePort } from '../test/helpers/processes.ts';
import { benchDir, round, rssBytes, startChild } from './harness.ts';

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
    const opened = await openCloud({ dataDir: database.dataDir });
    const minted = await opened.services.registry.mint({
      count: options.devices,
      model: '2N IP Verso',
      batchSize: 1000,
    });
    await opened.store.close();
    for (const device of minted)
      writeIdentityFile(join(folder, device.serialNumber, 'identity.json'), device);
    const figures: LinkFigures[] = [];

    const server = await startChild<{ url: string; pid: number }>(`${benchDir}cloud.child.ts`, [
      database.dataDir,
    ]);
    try {
      await settle(1000);
      const before = rssBytes(server.ready.pid);
      const fleet = await runFleet(folder, server.ready.url, options.devices);
      await settle(options.holdSeconds * 1000);
      const after = rssBytes(server.ready.pid);
      const check = await openCloud({ dataDir: database.dataDir });
      const online = await check.store.db
        .selectFrom('devices')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('online', '=', 1)
        .executeTakeFirstOrThrow();
      await check.store.close();
      figures.push({
        devices: options.devices,
        target: 'latchkey',
        connected: Number(online.n),
        connectSeconds: round(fleet.seconds, 2),
        connectsPerSecond: round(options.devices / fleet.linkingSeconds, 0),
        memoryPerDeviceKiB: round((after - before) / options.devices / 1024, 1),
        heldAfterSeconds: options.holdSeconds,
      });
      await fleet.stop();
    } finally {
      await server.stop();
    }

    const port = await freePort();
    const config = join(folder, 'mosquitto.conf');
    writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_keepalive 300\n`);
    const mosquitto = spawn('/usr/sbin/mosquitto', ['-c', config], { stdio: 'ignore' });
    try {
      await settle(500);
      const before = rssBytes(mosquitto.pid!);
      const fleet = await runFleet(folder, `mqtt://127.0.0.1:${port}`, options.devices);
      await settle(options.holdSeconds * 1000);
      const after = rssBytes(mosquitto.pid!);
      figures.push({
        devices: options.devices,
        target: 'mosquitto',
        connected: fleet.connected,
        connectSeconds: round(fleet.seconds, 2),
        connectsPerSecond: round(options.devices / fleet.linkingSeconds, 0),
        memoryPerDeviceKiB: round((after - before) / options.devices / 1024, 1),
        heldAfterSeconds: options.holdSeconds,
      });
      await fleet.stop();
    } finally {
      mosquitto.kill('SIGTERM');
    }
    return figures;
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await database.drop();
  }
}
