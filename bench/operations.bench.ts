// node bench/operations.bench.ts [--quick]: operating a cloud (issue 20), each beside a baseline
// measured in the same run:
// - `latchkey backup` (SQLite's online backup API) of a registry of N devices while the cloud
//   serves, beside a plain file copy of the same database with the cloud stopped;
// - a Prometheus scrape of /metrics beside GET /healthz on the same node.
// Benchmarks are not tests: nothing here asserts a timing.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCloud, startCloud } from '../src/cloud/cloud.ts';
import { writeDatabaseBackup } from '../src/cloud/database-backup.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { claim, createSite, registerAccount } from '../test/helpers/factories.ts';
import { percentile, round } from './harness.ts';

export interface BackupFigures {
  devices: number;
  databaseBytes: number;
  copy: { ms: number };
  backup: { ms: number; steps: number };
  ratio: number;
}

export interface ScrapeFigures {
  requests: number;
  metricsBytes: number;
  healthz: { p50: number; p95: number };
  metrics: { p50: number; p95: number };
  ratioP50: number;
}

async function timed(url: string, headers: Record<string, string>, requests: number) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    times.push(performance.now() - start);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    bytes = body.length;
  }
  return { bytes, p50: round(percentile(times, 50), 2), p95: round(percentile(times, 95), 2) };
}

/** A backup of a registry of `devices`, taken while a node serves on it, beside a cold copy. */
export async function benchDatabaseBackup(options: { devices: number }): Promise<BackupFigures> {
  const database = await sqliteTestDialect.create();
  const out = mkdtempSync(join(tmpdir(), 'latchkey-backup-bench-'));
  try {
    const opened = await openCloud({ dataDir: database.dataDir });
    await opened.services.registry.mint({
      count: options.devices,
      model: '2N IP Verso',
      batchSize: 1000,
    });
    await opened.store.close();
    const file = join(database.dataDir, 'latchkey.db');
    const databaseBytes = statSync(file).size;
    // The baseline: what a copy costs when nothing writes, the cloud stopped (its WAL folded
    // into the file on close).
    const copyStart = performance.now();
    copyFileSync(file, join(out, 'copy.db'));
    const copyMs = performance.now() - copyStart;

    const cloud = await startCloud({ dataDir: database.dataDir, port: 0, host: '127.0.0.1' });
    try {
      let steps = 0;
      const start = performance.now();
      await writeDatabaseBackup({
        dataDir: database.dataDir,
        out: join(out, 'backup.db'),
        force: false,
        onStep: () => {
          steps += 1;
        },
      });
      const backupMs = performance.now() - start;
      return {
        devices: options.devices,
        databaseBytes,
        copy: { ms: round(copyMs, 1) },
        backup: { ms: round(backupMs, 1), steps },
        ratio: round(backupMs / copyMs, 1),
      };
    } finally {
      await cloud.close();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
    await database.drop();
  }
}

/** Sequential scrapes of /metrics after some traffic, beside GET /healthz on the same node. */
export async function benchScrape(options: { requests: number }): Promise<ScrapeFigures> {
  const database = await sqliteTestDialect.create();
  const token = 'bench-metrics-token-0123456789';
  const cloud = await startCloud({
    dataDir: database.dataDir,
    port: 0,
    host: '127.0.0.1',
    metricsToken: token,
  });
  try {
    // Traffic so the histograms and counters have series: an account, a site, claims.
    const anna = await registerAccount(cloud);
    const site = await createSite(anna.client, 'Bench');
    const minted = await cloud.services.registry.mint({ count: 20, model: '2N IP Verso' });
    for (const device of minted) {
      await claim(anna.client, site.id, device.serialNumber, device.securityCode);
    }
    const healthz = await timed(`${cloud.url}/healthz`, {}, options.requests);
    const metrics = await timed(
      `${cloud.url}/metrics`,
      { authorization: `Bearer ${token}` },
      options.requests,
    );
    return {
      requests: options.requests,
      metricsBytes: metrics.bytes,
      healthz: { p50: healthz.p50, p95: healthz.p95 },
      metrics: { p50: metrics.p50, p95: metrics.p95 },
      ratioP50: round(metrics.p50 / healthz.p50, 1),
    };
  } finally {
    await cloud.close();
    await database.drop();
  }
}

export function operationsMarkdown(backup: BackupFigures, scrape: ScrapeFigures): string {
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  return [
    `**latchkey backup** of a registry of ${backup.devices.toLocaleString('en')} devices (${mib(backup.databaseBytes)} MiB), taken while a node serves on the database, beside a plain copy of the same file with the node stopped:`,
    '',
    '| how | time | steps |',
    '| --- | ---: | ---: |',
    `| file copy, node stopped (baseline) | ${backup.copy.ms} ms | 1 |`,
    `| \`latchkey backup\`, node serving | ${backup.backup.ms} ms | ${backup.backup.steps} |`,
    '',
    `Backup ÷ copy: ×${backup.ratio}.`,
    '',
    `**A scrape of /metrics** (${scrape.metricsBytes.toLocaleString('en')} bytes of text) beside GET /healthz on the same node, ${scrape.requests} sequential requests each, ms:`,
    '',
    '| request | p50 | p95 |',
    '| --- | ---: | ---: |',
    `| GET /healthz (baseline) | ${scrape.healthz.p50} | ${scrape.healthz.p95} |`,
    `| GET /metrics | ${scrape.metrics.p50} | ${scrape.metrics.p95} |`,
    '',
    `Scrape ÷ healthz at p50: ×${scrape.ratioP50}.`,
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
  const quick = values.quick ?? false;
  const backup = await benchDatabaseBackup({ devices: quick ? 1000 : 100_000 });
  const scrape = await benchScrape({ requests: quick ? 20 : 200 });
  process.stdout.write(`${operationsMarkdown(backup, scrape)}\n`);
}
