// npm run bench [-- --quick] [-- --out DIR]: measures claims, device links and code
// invalidation on this machine and writes results/<date>.json, RESULTS.md and growth.svg.
// Benchmarks are not tests: nothing here asserts a timing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lineChartSvg } from './chart.svg.ts';
import { benchBulk, bulkMarkdown, type BulkFigures } from './bulk.bench.ts';
import { benchClaims, type ClaimFigures } from './claims.bench.ts';
import { benchDir } from './harness.ts';
import { benchInvalidation, type InvalidationFigures } from './invalidation.bench.ts';
import { benchLinks, type LinkFigures } from './links.bench.ts';
import { benchProvisioning, provisioningMarkdown } from './provisioning.bench.ts';
import { benchRollout, rolloutMarkdown } from './rollout.bench.ts';
import { benchSearch, searchMarkdown, type SearchFigures } from './search.bench.ts';
import { benchRelay, relayMarkdown } from './relay.bench.ts';
import {
  benchClaimWebhooks,
  benchDatabaseBackup,
  benchScrape,
  benchWebhooks,
  claimWebhooksMarkdown,
  operationsMarkdown,
  webhooksMarkdown,
} from './operations.bench.ts';
import { postgresTestDialect, sqliteTestDialect } from '../test/helpers/databases.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, out: { type: 'string' } } });
const quick = values.quick ?? false;
// A quick run only proves the benchmark works: it writes to a temporary folder unless told.
const outDir =
  values.out ?? (quick ? join(process.env.TMPDIR ?? '/tmp', 'latchkey-bench-quick') : benchDir);
mkdirSync(join(outDir, 'results'), { recursive: true });

const plan = quick
  ? {
      sqlite: [200, 1000],
      postgres: [200],
      seconds: 1,
      connections: 4,
      invalidation: { devices: 20, registries: [20, 200] },
      links: [20],
      hold: 1,
      bulkRows: 100,
      rollout: { devices: 20, concurrency: 10 },
    }
  : {
      sqlite: [1000, 10_000, 100_000],
      postgres: [1000, 100_000],
      seconds: 5,
      connections: 16,
      invalidation: { devices: 1000, registries: [1000, 100_000] },
      // A process may hold at most 20,000 descriptors here (a hard limit that even root cannot
      // raise in this container), and every link is one socket in the cloud: 19,000 is the most
      // one cloud process can hold on this machine with room to spare.
      links: [1000, 5000, 10_000, 19_000],
      hold: 5,
      // Issue 18: "bulk add of 10,000 rows".
      bulkRows: 10_000,
      // Issue 19: "a rollout of one image to 1,000 emulated devices, with at most 100 at a time".
      rollout: { devices: 1000, concurrency: 100 },
    };

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: type(),
  node: process.version,
};

const claims: ClaimFigures[] = [];
for (const dialect of ['sqlite', 'postgres'] as const) {
  for (const registrySize of plan[dialect]) {
    log(`claims on ${dialect}, registry of ${registrySize} devices`);
    claims.push(
      await benchClaims({
        dialect,
        registrySize,
        durationSeconds: plan.seconds,
        connections: plan.connections,
      }),
    );
  }
}
const bulk: BulkFigures[] = [];
for (const dialect of ['sqlite', 'postgres'] as const) {
  log(`bulk add of ${plan.bulkRows} rows beside single claims on ${dialect}`);
  bulk.push(await benchBulk({ dialect, rows: plan.bulkRows }));
}
const invalidation: InvalidationFigures[] = [];
// Each registry size twice: the cloud at the fleet's priority (both share two cores), and ahead
// of it (nice -10), which stands for the devices' work running on hardware of their own.
for (const registrySize of plan.invalidation.registries) {
  for (const cloudNice of [null, -10]) {
    log(
      `code invalidation, ${plan.invalidation.devices} devices regenerating at once, registry of ${registrySize}, cloud nice ${cloudNice ?? 'as the fleet'}`,
    );
    invalidation.push(
      await benchInvalidation({ devices: plan.invalidation.devices, registrySize, cloudNice }),
    );
  }
}
const links: LinkFigures[] = [];
for (const devices of plan.links) {
  log(`device links, ${devices} devices`);
  links.push(...(await benchLinks({ devices, holdSeconds: plan.hold })));
}

log(`auto provisioning, ${quick ? '200 residents to 10' : '2,000 residents to 100'} devices`);
const provisioning = await benchProvisioning(
  quick ? { devices: 10, residents: 200 } : { devices: 100, residents: 2000 },
);

// Issue 18: the company-wide device search, a small and a large company in the same run.
const search: SearchFigures[] = [];
for (const dialect of ['sqlite', 'postgres'] as const) {
  for (const devices of quick ? [100, 1000] : [100, 10_000]) {
    log(`device search on ${dialect}, a company of ${devices} devices`);
    search.push(await benchSearch({ dialect, devices, requests: quick ? 20 : 200 }));
  }
}

log(
  `firmware rollout to ${plan.rollout.devices} devices, ${plan.rollout.concurrency} at a time, and the vendor-API baseline`,
);
const rollout = await benchRollout(plan.rollout);
// Issue 19: remote configuration, the same GETs directly and through the relay in one run.
log('remote configuration relay, direct and relayed');
const relay = await benchRelay({ requests: quick ? 10 : 200 });
// Issue 20: operating a cloud, each beside a baseline in the same run.
log('latchkey backup while serving, beside a file copy');
const databaseBackup = await benchDatabaseBackup({ devices: quick ? 1000 : 100_000 });
log('a scrape of /metrics, beside GET /healthz');
const scrape = await benchScrape({ requests: quick ? 20 : 200 });
log('webhook deliveries through the queue, beside a plain loop of signed POSTs');
const webhooks = await benchWebhooks({ deliveries: quick ? 50 : 1000 });
log('claims with a device.added webhook, beside claims with no endpoint');
const claimWebhooks = [];
for (const dialect of [sqliteTestDialect, postgresTestDialect]) {
  claimWebhooks.push(
    await benchClaimWebhooks({ dialect, claims: quick ? 40 : 1000, block: quick ? 10 : 50 }),
  );
}

const headline = claims.find(
  (c) => c.dialect === 'sqlite' && c.registrySize === Math.max(...plan.sqlite),
)!;
const biggestLinks = Math.max(...plan.links);
const ours = links.find((l) => l.target === 'latchkey' && l.devices === biggestLinks)!;
const reference = links.find((l) => l.target === 'mosquitto' && l.devices === biggestLinks)!;
const results = {
  date: new Date().toISOString(),
  quick,
  machine,
  claimsRatio: headline.claimsRatio,
  claimsRatioPostgres: claims.find(
    (c) => c.dialect === 'postgres' && c.registrySize === Math.max(...plan.postgres),
  )?.claimsRatio,
  claims,
  bulk,
  invalidation,
  links,
  provisioning,
  search,
  rollout,
  relay,
  databaseBackup,
  scrape,
  webhooks,
  claimWebhooks,
  linkMemoryRatioToMosquitto: Number(
    (ours.memoryPerDeviceKiB / Math.max(0.1, reference.memoryPerDeviceKiB)).toFixed(1),
  ),
};
const day = results.date.slice(0, 10);
writeFileSync(join(outDir, 'results', `${day}.json`), `${JSON.stringify(results, null, 2)}\n`);

const svg = [
  lineChartSvg({
    title: 'Claims per second by registry size',
    xLabel: 'devices in the registry',
    yLabel: 'claims / s',
    series: [
      {
        name: 'SQLite',
        color: '#1f77b4',
        points: claims
          .filter((c) => c.dialect === 'sqlite')
          .map((c) => [c.registrySize, c.claims.rps]),
      },
      {
        name: 'PostgreSQL',
        color: '#d62728',
        points: claims
          .filter((c) => c.dialect === 'postgres')
          .map((c) => [c.registrySize, c.claims.rps]),
      },
    ],
  }),
  lineChartSvg({
    title: 'Cloud memory per linked device',
    xLabel: 'linked devices',
    yLabel: 'KiB per device',
    series: [
      {
        name: 'Latchkey',
        color: '#1f77b4',
        points: links
          .filter((l) => l.target === 'latchkey')
          .map((l) => [l.devices, l.memoryPerDeviceKiB]),
      },
      {
        name: 'Mosquitto',
        color: '#2ca02c',
        points: links
          .filter((l) => l.target === 'mosquitto')
          .map((l) => [l.devices, l.memoryPerDeviceKiB]),
      },
    ],
  }),
];
writeFileSync(join(outDir, 'growth-claims.svg'), svg[0]!);
writeFileSync(join(outDir, 'growth-links.svg'), svg[1]!);

/**
 * One row of the growth table: a figure at the smallest and the largest size of its runs.
 * `per: 'operation'` — a rate or a time per claim, which may worsen at most as fast as the size
 * grows (cost per operation at most linear in the registry); `per: 'device'` — a figure per
 * linked device, which must not worsen at all for the total to stay linear in the devices.
 */
function growthRow(
  what: string,
  points: [number, number][],
  unit: string,
  kind: 'rate' | 'cost',
  per: 'operation' | 'device',
): string {
  if (points.length < 2) return `| ${what} | — | — | — | — | — |`;
  const [[x0, y0], [x1, y1]] = [points[0]!, points.at(-1)!];
  const sizeFactor = x1 / x0;
  const factor = kind === 'rate' ? y0 / Math.max(y1, 1e-9) : y1 / Math.max(y0, 1e-9);
  const limit = per === 'operation' ? sizeFactor : 1;
  return `| ${what} | ${x0.toLocaleString('en')} → ${x1.toLocaleString('en')} (×${sizeFactor.toFixed(0)}) | ${y0} → ${y1} ${unit} | ×${factor.toFixed(2)} | ×${limit.toFixed(0)} | ${factor <= limit ? 'yes' : 'no'} |`;
}
const bySize = <T>(items: T[], size: (t: T) => number, value: (t: T) => number) =>
  items.map((t) => [size(t), value(t)] as [number, number]).sort((a, b) => a[0] - b[0]);
const sqliteClaims = claims.filter((c) => c.dialect === 'sqlite');
const postgresClaims = claims.filter((c) => c.dialect === 'postgres');
const latchkeyLinks = links.filter((l) => l.target === 'latchkey');
const growth = [
  '## Growth',
  '',
  'Each figure at the smallest and the largest size measured. "Worse by": the factor by which a rate fell or a cost rose. A figure per operation is linear or better when it worsens at most as fast as the registry grows; a figure per device when it does not worsen at all (then the total grows at most linearly with the devices).',
  '',
  '| figure | size | measured | worse by | allowed | linear or better |',
  '| --- | --- | --- | ---: | ---: | --- |',
  ...(
    [
      ['SQLite', sqliteClaims],
      ['PostgreSQL', postgresClaims],
    ] as const
  ).flatMap(([name, runs]) => [
    growthRow(
      `${name} claims/s by registry`,
      bySize(
        runs,
        (c) => c.registrySize,
        (c) => c.claims.rps,
      ),
      '/s',
      'rate',
      'operation',
    ),
    growthRow(
      `${name} claim p99 by registry`,
      bySize(
        runs,
        (c) => c.registrySize,
        (c) => c.claims.p99,
      ),
      'ms',
      'cost',
      'operation',
    ),
  ]),
  ...[null, -10].map((nice) =>
    growthRow(
      `Invalidation p99 by registry (cloud ${nice === null ? 'as the fleet' : `nice ${nice}`})`,
      bySize(
        invalidation.filter((i) => i.cloudNice === nice),
        (i) => i.registrySize,
        (i) => i.p99Ms,
      ),
      'ms',
      'cost',
      'operation',
    ),
  ),
  growthRow(
    'Cloud memory per linked device',
    bySize(
      latchkeyLinks,
      (l) => l.devices,
      (l) => l.memoryPerDeviceKiB,
    ),
    'KiB',
    'cost',
    'device',
  ),
  growthRow(
    'Links per second',
    bySize(
      latchkeyLinks,
      (l) => l.devices,
      (l) => l.connectsPerSecond,
    ),
    '/s',
    'rate',
    'device',
  ),
  '',
];

const notesFile = join(benchDir, 'NOTES.md');
const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : '';
const md = [
  '# Benchmark results',
  '',
  `Run ${results.date}${quick ? ' (quick mode: tiny sizes, figures mean nothing)' : ''} with \`npm run bench\`.`,
  `Machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}.`,
  `Raw figures: \`results/${day}.json\`.`,
  '',
  '## Claims: `POST /api/sites/:siteId/devices`',
  '',
  `Mix: half successful adds, a quarter "already added" (409), a quarter wrong codes (422), from ${claims[0]?.clients ?? 32} installers, each with its own account, site, Bearer token and client address (sent as \`X-Forwarded-For\`; the benchmark's cloud runs with \`trustProxy\`); ${plan.connections} connections (autocannon). Ceiling: \`GET /api/me\` with the first installer's token on the same server (four statements; a claim on PostgreSQL takes four too, two of them shared with the claims that arrive with it). After ${Math.min(2, plan.seconds)} s of each unmeasured (warm-up), claims and ceiling run in turns, ${plan.seconds} s each, three rounds; a round's ratio is claims/s ÷ ceiling/s, claimsRatio is the median round's, and the claims and ceiling columns are that round's figures (all rounds' ratios in "rounds"). One client: the same mix from one account and one address, measured after the others — the worst case for the rate-limit locks, which all its claims share. With the 1,000-device registry, the later runs use up the unowned devices, so their mix turns into 409s.`,
  '',
  '| database | registry | claims/s | p50 ms | p99 ms | ceiling/s | claimsRatio | rounds | at 80 % (req/s) | p99 ms at 80 % | one client claims/s | one-client ratio | one-client p99 ms at 80 % | answers |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...claims.map(
    (c) =>
      `| ${c.dialect} | ${c.registrySize.toLocaleString('en')} | ${c.claims.rps} | ${c.claims.p50} | ${c.claims.p99} | ${c.ceiling.rps} | ${c.claimsRatio} | ${c.rounds.map((r) => r.ratio).join(' / ')} | ${c.at80.rps} | ${c.at80.p99} | ${c.oneClient.claims.rps} | ${c.oneClient.claimsRatio} | ${c.oneClient.at80.p99} | ${Object.entries(
        c.claims.statuses,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} |`,
  ),
  '',
  '![claims by registry size](growth-claims.svg)',
  '',
  ...bulkMarkdown(bulk),
  '## Code invalidation',
  '',
  `${plan.invalidation.devices} linked devices (one fleet process) press Generate New at once, once the cloud has settled after their connects: the fleet presses one device per turn of its event loop, as each intercom handles its own button ("presses over": first to last press). Latency: from a device's press until the cloud knows its new generation, after which it refuses the old code as replaced. Device share: press to the new generation announced on the link; link + cloud share: announced to known. The device shows the new code once it is on its disk ("stored"). Cloud priority: "as the fleet" — the cloud and the 1,000 emulated devices (their MQTT stacks and disk writes) share the two cores; "nice -10" — the cloud runs ahead of them, as it would beside real devices that work on hardware of their own.`,
  '',
  '| devices | registry | cloud priority | presses over ms | p50 ms | p99 ms | max ms | device share p50 / p99 ms | link + cloud share p50 / p99 ms | stored p50 / p99 ms |',
  '| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ...invalidation.map(
    (i) =>
      `| ${i.devices} | ${i.registrySize.toLocaleString('en')} | ${i.cloudNice === null ? 'as the fleet' : `nice ${i.cloudNice}`} | ${i.pressSpreadMs} | ${i.p50Ms} | ${i.p99Ms} | ${i.maxMs} | ${i.deviceP50Ms} / ${i.deviceP99Ms} | ${i.linkP50Ms} / ${i.linkP99Ms} | ${i.storedP50Ms} / ${i.storedP99Ms} |`,
  ),
  '',
  '## Device links',
  '',
  `\`latchkey fleet\` (processes of at most 5,000 devices each, started first, then linked 64 at a time per process with \`--link-when-started 64\`) against one cloud process (embedded broker, MQTT over WebSocket), then the same fleet against Mosquitto ${'2.0'} as the reference. Links/s: devices ÷ time from the first to the last link. Memory is the growth of the server's resident set per linked device, after holding the links ${plan.hold} s with keep-alive; "linked" counts the devices the cloud shows online after that.`,
  '',
  '| server | devices | linked | s to all linked | links/s | KiB per device |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...links.map(
    (l) =>
      `| ${l.target} | ${l.devices} | ${l.connected} | ${l.connectSeconds} | ${l.connectsPerSecond} | ${l.memoryPerDeviceKiB} |`,
  ),
  '',
  `Memory per device, Latchkey ÷ Mosquitto: ${results.linkMemoryRatioToMosquitto}.`,
  '',
  '![memory per device](growth-links.svg)',
  '',
  ...provisioningMarkdown(provisioning),
  '',
  ...searchMarkdown(search),
  '',
  ...rolloutMarkdown(rollout),
  '',
  '## Remote configuration relay',
  '',
  relayMarkdown(relay),
  '',
  '## Operating: database backup, /metrics, webhook deliveries',
  '',
  operationsMarkdown(databaseBackup, scrape),
  '',
  webhooksMarkdown(webhooks),
  '',
  claimWebhooksMarkdown(claimWebhooks),
  '',
  ...growth,
  notes,
].join('\n');
writeFileSync(join(outDir, 'RESULTS.md'), md);
log(`wrote ${join(outDir, 'RESULTS.md')}`);
