// node bench/rollout.bench.ts [--quick]: a firmware rollout (issue 19) of one image to a fleet of
// linked emulated devices, at most `concurrency` at a time, and the baseline of the same fleet
// each installing an image through its own vendor API. Benchmarks are not tests: nothing here
// asserts a timing.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openCloud } from '../src/cloud/cloud.ts';
import { writeIdentityFile } from '../src/cloud/identity.writer.ts';
import { firmwareRepo } from '../src/cloud/store/repos/firmware.repo.ts';
import { makeFirmwareImage } from '../src/core/firmware.format.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { cliPath } from '../test/helpers/processes.ts';
import { account } from './claims.bench.ts';
import { benchDir, round, rssBytes } from './harness.ts';

const MODEL = '2N IP Verso';
const API_USER = 'bench';
const API_PASSWORD = 'bench-api-pass-1';

/** One way of updating the whole fleet, and what it cost the cloud. */
export interface UpdateFigures {
  /** `rollout`: POST /api/rollouts; `vendor-api`: each device's PUT /api/firmware + apply. */
  how: 'rollout' | 'vendor-api';
  devices: number;
  concurrency: number;
  /** From the start to every device running the new firmware in the cloud's view. */
  seconds: number;
  done: number;
  failed: number;
  cloudCpuMs: number;
  cloudCpuMsPerDevice: number;
  /** The cloud's resident memory: highest sample while updating, and growth over the start. */
  cloudPeakRssMiB: number;
  cloudRssGrowthMiB: number;
  /** What the cloud wrote answering GET /link/firmware/:token (headers included). */
  bytesServedByCloud: number;
  /** What went to the devices in all: the cloud's downloads, or the bench's uploads. */
  bytesToDevices: number;
}

export interface RolloutFigures {
  devices: number;
  concurrency: number;
  imageBytes: number;
  rollout: UpdateFigures;
  baseline: UpdateFigures;
  /** Baseline seconds ÷ rollout seconds (above 1: the rollout is faster). */
  speedRatio: number;
}

interface Usage {
  cpuMs: number;
  rssBytes: number;
  peakRssBytes: number;
  firmwareBytes: number;
  firmwareAnswers: number;
}

/** The cloud child process (rollout-cloud.child.ts) with its IPC usage report. */
async function startCloudChild(dataDir: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [`${benchDir}rollout-cloud.child.ts`, dataDir],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the cloud exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve(JSON.parse(line) as { url: string; pid: number }),
    );
  });
  return {
    ...ready,
    usage: () =>
      new Promise<Usage>((resolve) => {
        child.once('message', (message) => resolve(message as Usage));
        child.send('usage');
      }),
    async stop() {
      if (child.exitCode !== null) return;
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `latchkey fleet` with each device's HTTP on its own port, linked 64 at a time. */
async function startFleet(identities: string, cloudUrl: string, count: number, httpFrom: number) {
  const fleet = spawn(
    process.execPath,
    [
      cliPath,
      'fleet',
      '--identities',
      identities,
      '--cloud',
      cloudUrl,
      '--link-when-started',
      '64',
      '--http-ports',
      String(httpFrom),
      '--api-account',
      `${API_USER}:${API_PASSWORD}`,
    ],
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
    async stop() {
      fleet.removeAllListeners('exit');
      const exited = new Promise((resolve) => fleet.once('exit', resolve));
      fleet.kill('SIGTERM');
      await exited;
    },
  };
}

async function api(base: string, auth: Record<string, string>, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Samples the cloud's resident memory every 200 ms while `work` runs; resolves with the peak. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>) {
  let peak = rssBytes(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 200);
  try {
    return { result: await work(), peak };
  } finally {
    clearInterval(sampler);
  }
}

/** Runs `count` tasks, at most `atOnce` at a time. */
async function pool(count: number, atOnce: number, task: (index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, count) }, worker));
}

/** How many devices the cloud's store shows running `version` (a state message recorded it). */
async function countOnVersion(dataDir: string, version: string): Promise<number> {
  const check = await openCloud({ dataDir });
  try {
    const row = await check.store.db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('firmware', '=', version)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await check.store.close();
  }
}

/**
 * `devices` emulated devices (one `latchkey fleet` process, each device with its HTTP API on a
 * port of its own) linked to one cloud process on SQLite; one image rolled out to them with
 * POST /api/rollouts at most `concurrency` at a time, and the baseline before it: the bench
 * uploads an older image of the same size to every device with PUT /api/firmware and applies
 * it, `concurrency` at a time.
 */
export async function benchRollout(options: {
  devices: number;
  concurrency: number;
  /** The image's payload size (the header adds about 50 bytes). */
  payloadBytes?: number;
}): Promise<RolloutFigures> {
  const { devices, concurrency } = options;
  const payload = randomBytes(options.payloadBytes ?? 1024 * 1024);
  const direct = makeFirmwareImage({ model: MODEL, version: '9.1.0' }, payload);
  const rolled = makeFirmwareImage({ model: MODEL, version: '9.2.0' }, payload);
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-rollout-'));
  const identities = join(folder, 'identities');
  try {
    const { rows, firmwareId } = await prepare(database.dataDir, identities, devices, rolled);
    const cloud = await startCloudChild(database.dataDir);
    try {
      const owner = await account(cloud.url, 'rollout');
      for (let start = 0; start < rows.length; start += 1000) {
        await api(cloud.url, owner.auth, `/api/sites/${owner.siteId}/devices/bulk`, {
          rows: rows.slice(start, start + 1000),
        });
      }
      // Ports above the bench's others and below Linux's ephemeral range (32768 and up).
      const httpFrom = 20_000 + Math.floor(Math.random() * (12_000 - devices));
      const fleet = await startFleet(identities, cloud.url, devices, httpFrom);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        // The baseline first: the rollout's image is the newer one, so neither is a downgrade.
        const baseline = await measure(cloud, devices, concurrency, 'vendor-api', async () => {
          let failed = 0;
          await pool(devices, concurrency, async (index) => {
            if (!(await installDirectly(`http://127.0.0.1:${httpFrom + index}`, direct))) failed++;
          });
          // Done when the cloud knows: every device's state with the new version recorded.
          for (;;) {
            const on = await countOnVersion(database.dataDir, '9.1.0');
            if (on + failed >= devices) return { done: on, failed };
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        });
        baseline.bytesToDevices = direct.length * baseline.done;
        // Said at once: the rollout after it may take long, or fail without the rollouts API.
        process.stderr.write(`[bench] rollout baseline: ${JSON.stringify(baseline)}\n`);
        const rollout = await measure(cloud, devices, concurrency, 'rollout', async () => {
          const created = await api(cloud.url, owner.auth, '/api/rollouts', {
            firmwareId,
            siteId: owner.siteId,
            concurrency,
          });
          return followRollout(cloud.url, owner.auth, created.id as string);
        });
        return {
          devices,
          concurrency,
          imageBytes: rolled.length,
          rollout,
          baseline,
          speedRatio: round(baseline.seconds / Math.max(0.001, rollout.seconds), 2),
        };
      } finally {
        await fleet.stop();
      }
    } finally {
      await cloud.stop();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await database.drop();
  }
}

/**
 * Mints the devices (identity files for the fleet, rows for the bulk add) and puts the image
 * in the operator's catalogue through the firmware repo, as POST /api/firmware would.
 */
async function prepare(dataDir: string, identities: string, devices: number, image: Buffer) {
  const opened = await openCloud({ dataDir });
  try {
    const minted = await opened.services.registry.mint({ count: devices, model: MODEL });
    for (const device of minted) {
      writeIdentityFile(join(identities, device.serialNumber, 'identity.json'), device);
    }
    const sha256 = createHash('sha256').update(image).digest('hex');
    const now = new Date().toISOString();
    const firmwareId = randomUUID();
    await firmwareRepo(opened.store.db).putBlob(sha256, image, now);
    await firmwareRepo(opened.store.db).insertImage({
      id: firmwareId,
      company_id: null,
      model: MODEL,
      version: '9.2.0',
      sha256,
      bytes: image.length,
      filename: 'verso-9.2.0.fw',
      added_by: null,
      created_at: now,
    });
    const rows = minted.map((d) => ({
      serialNumber: d.serialNumber,
      securityCode: d.securityCode,
    }));
    return { rows, firmwareId };
  } finally {
    await opened.store.close();
  }
}

/** Polls GET /api/rollouts/:id until it leaves `running`; the devices' last steps counted. */
async function followRollout(base: string, auth: Record<string, string>, id: string) {
  for (;;) {
    const rollout = await api(base, auth, `/api/rollouts/${id}`);
    if (rollout.state !== 'running') {
      const steps = (rollout.devices as { step: string }[]).map((device) => device.step);
      return {
        done: steps.filter((step) => step === 'done').length,
        failed: steps.filter((step) => step === 'failed').length,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** 2N HTTP API §5.2.1 and §5.2.2: upload the image to one device, then apply it. */
async function installDirectly(deviceUrl: string, image: Buffer): Promise<boolean> {
  const authorization = `Basic ${Buffer.from(`${API_USER}:${API_PASSWORD}`).toString('base64')}`;
  const uploaded = await fetch(`${deviceUrl}/api/firmware`, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/octet-stream' },
    body: image,
  });
  const body = (await uploaded.json()) as { success: boolean; result?: { fileId: string } };
  if (!body.success || !body.result) return false;
  const applied = await fetch(`${deviceUrl}/api/firmware/apply?fileid=${body.result.fileId}`, {
    headers: { authorization },
  });
  return ((await applied.json()) as { success: boolean }).success;
}

/** Runs one way of updating, with the cloud's CPU time, memory and served bytes around it. */
async function measure(
  cloud: Awaited<ReturnType<typeof startCloudChild>>,
  devices: number,
  concurrency: number,
  how: UpdateFigures['how'],
  work: () => Promise<{ done: number; failed: number }>,
): Promise<UpdateFigures> {
  const before = await cloud.usage();
  const started = performance.now();
  const { result, peak } = await withPeakRss(cloud.pid, work);
  const seconds = (performance.now() - started) / 1000;
  const after = await cloud.usage();
  const cpuMs = after.cpuMs - before.cpuMs;
  const served = after.firmwareBytes - before.firmwareBytes;
  return {
    how,
    devices,
    concurrency,
    seconds: round(seconds, 2),
    done: result.done,
    failed: result.failed,
    cloudCpuMs: round(cpuMs, 0),
    cloudCpuMsPerDevice: round(cpuMs / devices, 1),
    cloudPeakRssMiB: round(Math.max(peak, after.rssBytes) / 2 ** 20, 1),
    cloudRssGrowthMiB: round((Math.max(peak, after.rssBytes) - before.rssBytes) / 2 ** 20, 1),
    bytesServedByCloud: served,
    bytesToDevices: served,
  };
}

/** The figures as RESULTS.md shows them. */
export function rolloutMarkdown(f: RolloutFigures): string[] {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const row = (u: UpdateFigures, name: string) =>
    `| ${name} | ${u.seconds} s | ${u.done} / ${u.failed} | ${u.cloudCpuMs} ms (${u.cloudCpuMsPerDevice} per device) | ${u.cloudPeakRssMiB} MiB (+${u.cloudRssGrowthMiB}) | ${mib(u.bytesServedByCloud)} | ${mib(u.bytesToDevices)} |`;
  return [
    '## Firmware rollout',
    '',
    `One image of ${mib(f.imageBytes)} to ${f.devices.toLocaleString('en')} linked devices (\`latchkey fleet\` in a child process, each device with its HTTP API on a port of its own), at most ${f.concurrency} at a time, from one cloud process (SQLite, embedded broker) in a child process of its own: POST /api/rollouts for the site, followed with GET /api/rollouts/:id until it leaves \`running\`. Bytes served: what the cloud wrote answering GET /link/firmware/:token, counted on its sockets (node:diagnostics_channel). Baseline in the same run: the benchmark uploads another image of the same size to every device through its own vendor API (PUT /api/firmware, then apply), ${f.concurrency} at a time, done when the cloud has every device's new firmware from its state.`,
    '',
    '| how | time to done | done / failed | cloud CPU | cloud peak RSS (growth) | bytes served by the cloud | bytes to the devices |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row(f.rollout, 'rollout'),
    row(f.baseline, 'baseline: vendor API per device'),
    '',
    `Baseline time ÷ rollout time: ×${f.speedRatio}.`,
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
  const figures = await benchRollout(
    values.quick ? { devices: 20, concurrency: 10 } : { devices: 1000, concurrency: 100 },
  );
  process.stdout.write(
    `${JSON.stringify(figures, null, 2)}\n${rolloutMarkdown(figures).join('\n')}\n`,
  );
}
