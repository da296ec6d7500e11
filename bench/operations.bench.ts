// node bench/operations.bench.ts [--quick]: operating a cloud (issue 20), each beside a baseline
// measured in the same run:
// - `latchkey backup` (SQLite's online backup API) of a registry of N devices while the cloud
//   serves, beside a plain file copy of the same database with the cloud stopped;
// - a Prometheus scrape of /metrics beside GET /healthz on the same node;
// - webhook deliveries through the database queue, beside the same signed POSTs sent to the
//   same receiver straight from a loop;
// - claims whose company has a webhook endpoint for device.added (the delivery row written in
//   the claim's own commit), beside claims on a node where no company has one.
// Benchmarks are not tests: nothing here asserts a timing.
import { createHmac } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCloud, startCloud } from '../src/cloud/cloud.ts';
import { writeDatabaseBackup } from '../src/cloud/database-backup.ts';
import {
  postgresTestDialect,
  sqliteTestDialect,
  type TestDialect,
} from '../test/helpers/databases.ts';
import { claim, createSite, mintDevices, registerAccount } from '../test/helpers/factories.ts';
import { startReceiver } from '../test/helpers/webhooks.ts';
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

export interface WebhookFigures {
  deliveries: number;
  /** Queued through POST /api/webhooks/:id/test, then sent by the dispatcher, in order. */
  queued: { ms: number; perSecond: number; inOrder: boolean };
  /** The same number of signed POSTs from a plain loop, one at a time, to the same receiver. */
  direct: { ms: number; perSecond: number };
  ratio: number;
}

/** A batch of deliveries to one endpoint (the dispatcher sends one at a time, in order). */
export async function benchWebhooks(options: { deliveries: number }): Promise<WebhookFigures> {
  const database = await sqliteTestDialect.create();
  const closers: (() => Promise<void>)[] = [];
  const receiver = await startReceiver({ after: (fn) => closers.push(fn) });
  const cloud = await startCloud({
    dataDir: database.dataDir,
    port: 0,
    host: '127.0.0.1',
    webhooksAllowInsecure: true,
  });
  try {
    const anna = await registerAccount(cloud);
    const made = await anna.client.post('/api/webhooks', {
      url: receiver.url,
      events: ['device.added'],
    });
    if (made.status !== 201) throw new Error(`webhook not added: ${made.text}`);
    receiver.state.secret = made.body.secret;
    const start = performance.now();
    const sentIds: string[] = [];
    for (let i = 0; i < options.deliveries; i++) {
      const sent = await anna.client.post(`/api/webhooks/${made.body.id}/test`);
      if (sent.status >= 300) throw new Error(`test event refused: ${sent.text}`);
      sentIds.push(String(sent.body.id));
    }
    while (receiver.distinct().length < options.deliveries) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const queuedMs = performance.now() - start;
    const ids = receiver.state.all.map((r) => r.body.id);
    const received = receiver.distinct();
    const inOrder = received.map((r) => r.id).join() === sentIds.join();

    // The baseline: the same bodies, signed the same way, POSTed one at a time from a loop.
    const directStart = performance.now();
    for (const id of ids.slice(0, options.deliveries)) {
      const body = JSON.stringify({ id, type: 'webhook.test', data: {} });
      const t = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', receiver.state.secret).update(`${t}.${body}`).digest('hex');
      const answer = await fetch(receiver.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'latchkey-signature': `t=${t},v1=${v1}`,
          'latchkey-delivery': id,
          'latchkey-event': 'webhook.test',
        },
      });
      await answer.arrayBuffer();
    }
    const directMs = performance.now() - directStart;
    return {
      deliveries: options.deliveries,
      queued: {
        ms: round(queuedMs, 0),
        perSecond: round((options.deliveries / queuedMs) * 1000, 0),
        inOrder,
      },
      direct: {
        ms: round(directMs, 0),
        perSecond: round((options.deliveries / directMs) * 1000, 0),
      },
      ratio: round(queuedMs / directMs, 1),
    };
  } finally {
    await cloud.close();
    for (const close of closers) await close();
    await database.drop();
  }
}

export function webhooksMarkdown(figures: WebhookFigures): string {
  return [
    `**Webhook deliveries**: ${figures.deliveries} test events queued through \`POST /api/webhooks/:id/test\` to one endpoint, and sent by the dispatcher one at a time, in order (${figures.queued.inOrder ? 'all in order' : 'NOT in order'}), each signed, leased and recorded; beside the same number of signed POSTs from a plain loop to the same receiver, in the same run:`,
    '',
    '| how | time | deliveries / s |',
    '| --- | ---: | ---: |',
    `| plain loop of signed POSTs (baseline) | ${figures.direct.ms} ms | ${figures.direct.perSecond} |`,
    `| queued in the database, sent by the dispatcher | ${figures.queued.ms} ms | ${figures.queued.perSecond} |`,
    '',
    `Queued ÷ plain: ×${figures.ratio} (the queued time includes the ${figures.deliveries} API requests that queue them).`,
  ].join('\n');
}

export interface ClaimWebhookFigures {
  dialect: TestDialect['name'];
  claims: number;
  /** Claims on a node where no company has an endpoint: no delivery row, no extra statement. */
  plain: { ms: number; perSecond: number };
  /** Claims by a company with an endpoint for device.added: one delivery row per claim. */
  subscribed: { ms: number; perSecond: number; delivered: number };
  ratio: number;
}

/** A node with a company that claims `count` minted devices into one site, one at a time. */
async function claimingNode(dialect: TestDialect, count: number, receiverUrl: string | null) {
  const database = await dialect.create();
  const cloud = await startCloud({
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    port: 0,
    host: '127.0.0.1',
    webhooksAllowInsecure: true,
  });
  const owner = await registerAccount(cloud);
  const site = await createSite(owner.client);
  const devices = await mintDevices(cloud, count);
  let secret: string | null = null;
  if (receiverUrl) {
    const made = await owner.client.post('/api/webhooks', {
      url: receiverUrl,
      events: ['device.added'],
    });
    if (made.status !== 201) throw new Error(`webhook not added: ${made.text}`);
    secret = made.body.secret;
  }
  let next = 0;
  let ms = 0;
  return {
    secret,
    /** Claims the next `n` devices, one after another, and adds the time they took. */
    async claimNext(n: number) {
      const start = performance.now();
      for (const device of devices.slice(next, next + n)) {
        const added = await claim(owner.client, site.id, device.serialNumber, device.securityCode);
        if (added.status !== 201) throw new Error(`claim refused: ${added.text}`);
      }
      ms += performance.now() - start;
      next += n;
    },
    elapsed: () => ms,
    async close() {
      await cloud.close();
      await database.drop();
    },
  };
}

/**
 * The cost of a claim's webhook: the same sequential claims on two nodes of one process, taken
 * in alternating blocks so that a change of load on the machine falls on both alike.
 */
export async function benchClaimWebhooks(options: {
  dialect: TestDialect;
  claims: number;
  block: number;
}): Promise<ClaimWebhookFigures> {
  const closers: (() => Promise<void>)[] = [];
  const receiver = await startReceiver({ after: (fn) => closers.push(fn) });
  const plain = await claimingNode(options.dialect, options.claims, null);
  const subscribed = await claimingNode(options.dialect, options.claims, receiver.url);
  receiver.state.secret = subscribed.secret!;
  try {
    for (let done = 0; done < options.claims; done += options.block) {
      const n = Math.min(options.block, options.claims - done);
      await plain.claimNext(n);
      await subscribed.claimNext(n);
    }
    const deadline = Date.now() + 60_000;
    while (receiver.distinct().length < options.claims && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const rate = (ms: number) => round((options.claims / ms) * 1000, 0);
    return {
      dialect: options.dialect.name,
      claims: options.claims,
      plain: { ms: round(plain.elapsed(), 0), perSecond: rate(plain.elapsed()) },
      subscribed: {
        ms: round(subscribed.elapsed(), 0),
        perSecond: rate(subscribed.elapsed()),
        delivered: receiver.distinct().length,
      },
      ratio: round(subscribed.elapsed() / plain.elapsed(), 2),
    };
  } finally {
    await plain.close();
    await subscribed.close();
    for (const close of closers) await close();
  }
}

export function claimWebhooksMarkdown(figures: ClaimWebhookFigures[]): string {
  const claims = figures[0]?.claims ?? 0;
  return [
    `**Claims with a webhook**: ${claims} sequential claims (one installer, right codes) by a company with an endpoint for \`device.added\`, whose delivery row is written in the claim's own commit, beside ${claims} claims on a node where no company has an endpoint, taken in alternating blocks in the same run (the subscribed node's dispatcher sends the deliveries meanwhile, in the same process):`,
    '',
    '| dialect | no endpoint (baseline) | with an endpoint | delivered | with ÷ without |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...figures.map(
      (f) =>
        `| ${f.dialect} | ${f.plain.ms} ms (${f.plain.perSecond}/s) | ${f.subscribed.ms} ms (${f.subscribed.perSecond}/s) | ${f.subscribed.delivered} | ×${f.ratio} |`,
    ),
  ].join('\n');
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
  const webhooks = await benchWebhooks({ deliveries: quick ? 50 : 1000 });
  const claimWebhooks = [];
  for (const dialect of [sqliteTestDialect, postgresTestDialect]) {
    claimWebhooks.push(
      await benchClaimWebhooks({ dialect, claims: quick ? 40 : 1000, block: quick ? 10 : 50 }),
    );
  }
  process.stdout.write(
    `${operationsMarkdown(backup, scrape)}\n\n${webhooksMarkdown(webhooks)}\n\n${claimWebhooksMarkdown(claimWebhooks)}\n`,
  );
}
