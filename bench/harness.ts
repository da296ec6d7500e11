import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCloud } from '../src/cloud/cloud.ts';
import { writeIdentityFile } from '../src/cloud/identity.writer.ts';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const benchDir = fileURLToPath(new URL('.', import.meta.url));

/** A child process that prints one JSON line when it is ready. */
export interface ChildServer<T> {
  child: ChildProcess;
  ready: T;
  stop(): Promise<void>;
}

/** Starts `node <script> args…` and waits for its JSON "ready" line. */
export async function startChild<T>(
  script: string,
  args: string[],
  nodeArgs: string[] = [],
): Promise<ChildServer<T>> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${script} exited with ${code} before it was ready`)),
    );
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
  });
  return {
    child,
    ready,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** p-th percentile of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/**
 * Mints `count` devices into the cloud data folder and writes their identity files as
 * `latchkey mint --out folder` does (`folder/<serial>/identity.json`); returns the files.
 */
export async function mintIdentities(
  dataDir: string,
  count: number,
  folder: string,
): Promise<string[]> {
  const opened = await openCloud({ dataDir });
  try {
    const minted = await opened.services.registry.mint({
      count,
      model: '2N IP Verso',
      batchSize: 1000,
    });
    return minted.map((device) => {
      const file = join(folder, device.serialNumber, 'identity.json');
      writeIdentityFile(file, device);
      return file;
    });
  } finally {
    await opened.store.close();
  }
}
