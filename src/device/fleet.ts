import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startDevice, type RunningDevice } from './device.server.ts';
import { Device } from './device.ts';
import { DeviceStartError } from './identity.store.ts';
import { DeviceLinkClient } from './link/link.client.ts';

export interface FleetOptions {
  identityFiles: string[];
  /** The cloud's base URL or a broker URL; without it the devices run unlinked. */
  cloudUrl?: string | undefined;
  /** Serve each device's HTTP interfaces on FROM, FROM+1, …; none when undefined. */
  httpPortFrom?: number | undefined;
  host?: string | undefined;
  /**
   * With HTTP ports: every device's administrator password at first start (no forced change),
   * so that its web interfaces and front panel (/admin/api/front-panel) can be used at once.
   */
  adminPassword?: string | undefined;
  /** With HTTP ports: HTTP API accounts with every privilege on every device (as `latchkey device`). */
  apiAccounts?: Array<{ username: string; password: string }> | undefined;
  /** Where device N keeps its state (default: a "data" folder next to its identity file). */
  dataDirFor?: (identityFile: string) => string;
  /** How many devices start at once. */
  concurrency?: number;
  /**
   * Start every device first, then link them with at most this many connecting at a time (a
   * connect storm, as when a building's network comes back); by default each device links as
   * soon as it has started.
   */
  linkWhenStarted?: number | undefined;
  onStarted?: (count: number) => void;
  onConnected?: (count: number) => void;
}

export interface FleetMember {
  device: Device;
  url: string | null;
  link: DeviceLinkClient | null;
  close(): Promise<void>;
}

/** Finds `identity.json` files: `DIR/<serial>/identity.json` (as minted) or `DIR/*.json`. */
export async function findIdentityFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    throw new DeviceStartError(
      `The identities folder ${dir} cannot be read; pass the --out folder of "latchkey mint".`,
    );
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const info = await stat(path);
    if (info.isDirectory()) {
      const nested = join(path, 'identity.json');
      if (
        await stat(nested).then(
          () => true,
          () => false,
        )
      )
        files.push(nested);
    } else if (entry.endsWith('.json')) {
      files.push(path);
    }
  }
  if (files.length === 0) {
    throw new DeviceStartError(
      `No identity files in ${dir}: expected <serial>/identity.json as "latchkey mint --out" writes them.`,
    );
  }
  return files;
}

/**
 * Many emulated devices in one process, each with its own state, link and (optionally) HTTP:
 * over its HTTP port each device serves the same interfaces as `latchkey device`, the front
 * panel included.
 */
export async function startFleet(
  options: FleetOptions,
): Promise<{ members: FleetMember[]; close(): Promise<void> }> {
  const members: FleetMember[] = [];
  const dataDirFor = options.dataDirFor ?? ((file: string) => join(dirname(file), 'data'));
  const concurrency = options.concurrency ?? 32;
  let connected = 0;
  const firstConnects = new Map<DeviceLinkClient, () => void>();

  async function startOne(identityFile: string, index: number): Promise<FleetMember> {
    const dataDir = dataDirFor(identityFile);
    let device: Device;
    let url: string | null = null;
    let running: RunningDevice | null = null;
    if (options.httpPortFrom !== undefined) {
      running = await startDevice({
        identityFile,
        dataDir,
        port: options.httpPortFrom + index,
        host: options.host,
        ...(options.adminPassword !== undefined ? { adminPassword: options.adminPassword } : {}),
        ...(options.apiAccounts ? { apiAccounts: options.apiAccounts } : {}),
      });
      device = running.device;
      url = running.url;
    } else {
      device = await Device.open({ identityFile, dataDir });
    }
    let link: DeviceLinkClient | null = null;
    if (options.cloudUrl) {
      let counted = false;
      link = new DeviceLinkClient(device, {
        cloudUrl: options.cloudUrl,
        // Issue 19: with an HTTP port, remote configuration reaches its web interfaces.
        webUrl: url ?? undefined,
        onConnect: () => {
          if (counted) return;
          counted = true;
          options.onConnected?.(++connected);
          firstConnects.get(link!)?.();
        },
      });
      if (options.linkWhenStarted === undefined) link.start();
    }
    return {
      device,
      url,
      link,
      async close() {
        await link?.stop();
        if (running) await running.close();
        else device.close();
      },
    };
  }

  /** Starts the links, `atOnce` connecting at a time; resolves when all have connected once. */
  async function linkAll(all: FleetMember[], atOnce: number): Promise<void> {
    const links = all.flatMap((member) => (member.link ? [member.link] : []));
    let next = 0;
    const worker = async () => {
      while (next < links.length) {
        const link = links[next++]!;
        await new Promise<void>((resolve) => {
          firstConnects.set(link, resolve);
          link.start();
        });
        firstConnects.delete(link);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, atOnce) }, worker));
  }

  const files = options.identityFiles;
  for (let start = 0; start < files.length; start += concurrency) {
    const batch = files.slice(start, start + concurrency);
    // Settled, not all: when one device cannot start (its port is taken), the others of its
    // batch have started, and must close with the rest or their servers keep the process alive.
    const started = await Promise.allSettled(batch.map((file, i) => startOne(file, start + i)));
    for (const outcome of started) if (outcome.status === 'fulfilled') members.push(outcome.value);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      await Promise.all(members.map((member) => member.close()));
      throw failed.reason;
    }
    options.onStarted?.(members.length);
  }
  if (options.linkWhenStarted !== undefined) await linkAll(members, options.linkWhenStarted);
  return {
    members,
    close: async () => {
      await Promise.all(members.map((member) => member.close()));
    },
  };
}
