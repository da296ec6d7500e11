import autocannon, { type Result } from 'autocannon';
import { openCloud } from '../src/cloud/cloud.ts';
import type { MintedDevice } from '../src/cloud/services/registry.service.ts';
import { postgresTestDialect, sqliteTestDialect } from '../test/helpers/databases.ts';
import { account } from './claims.bench.ts';
import { benchDir, percentile, round, startChild } from './harness.ts';

export interface BulkFigures {
  dialect: 'sqlite' | 'postgres';
  rows: number;
  /** The whole file in one request: how fast rows are claimed. */
  oneRequest: { seconds: number; rowsPerSecond: number; outcomes: Record<string, number> };
  /**
   * The same number of rows sent as `latchkey claim` sends them, in parts of 500: a row is
   * answered when its part is, so a row's latency is its part's (p50/p99 over the rows).
   */
  inParts: { partRows: number; rowsPerSecond: number; p50Ms: number; p99Ms: number };
  /** Single claims (POST /api/sites/:id/devices) of as many devices, 16 at a time. */
  single: { claims: number; claimsPerSecond: number; p50Ms: number; p99Ms: number };
  /** Bulk rows per second (one request) ÷ single claims per second. */
  ratio: number;
}

const PART_ROWS = 500;
const WARM_UP_ROWS = 50;
const csvOf = (devices: MintedDevice[]) =>
  devices.map((d) => `${d.serialNumber},${d.securityCode}`).join('\n');

async function postBulk(base: string, auth: Record<string, string>, siteId: string, csv: string) {
  const started = performance.now();
  const response = await fetch(`${base}/api/sites/${siteId}/devices/bulk`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'text/csv' },
    body: csv,
  });
  const body = (await response.json()) as {
    results?: { outcome?: string; error?: { code: string } }[];
  };
  if (response.status !== 200 || !body.results) {
    throw new Error(`bulk add answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { ms: performance.now() - started, results: body.results };
}

function runCannon(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/**
 * Bulk add of `rows` unowned devices (issue 18) beside single claims of as many on the same
 * cloud and database: every row and every claim is a successful add, so both figures measure
 * the same work. Single claims come 16 at a time, as a bulk request claims 16 rows at a time.
 */
export async function benchBulk(options: {
  dialect: 'sqlite' | 'postgres';
  rows: number;
}): Promise<BulkFigures> {
  const database = await (
    options.dialect === 'sqlite' ? sqliteTestDialect : postgresTestDialect
  ).create();
  try {
    const opened = await openCloud({
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
    });
    let minted: MintedDevice[];
    try {
      minted = await opened.services.registry.mint({
        count: options.rows * 3 + WARM_UP_ROWS,
        model: '2N IP Verso',
        batchSize: 1000,
      });
    } finally {
      await opened.store.close();
    }
    const oneFile = minted.slice(0, options.rows);
    const parted = minted.slice(options.rows, options.rows * 2);
    const singles = minted.slice(options.rows * 2, options.rows * 3);
    const warmUp = minted.slice(options.rows * 3);

    const server = await startChild<{ url: string }>(`${benchDir}cloud.child.ts`, [
      database.dataDir,
      database.databaseUrl ?? '',
    ]);
    try {
      const base = server.ready.url;
      const installer = await account(base, 'bulk-installer');
      // Unmeasured: a small file first, so the first figures are not of unoptimised code.
      const warm = await account(base, 'warm-up');
      await postBulk(base, warm.auth, warm.siteId, csvOf(warmUp));

      const whole = await postBulk(base, installer.auth, installer.siteId, csvOf(oneFile));
      const outcomes: Record<string, number> = {};
      for (const r of whole.results) {
        const key = r.outcome ?? r.error!.code;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }

      const partMs: number[] = [];
      const partsStarted = performance.now();
      for (let at = 0; at < parted.length; at += PART_ROWS) {
        const part = parted.slice(at, at + PART_ROWS);
        const { ms } = await postBulk(base, installer.auth, installer.siteId, csvOf(part));
        for (let i = 0; i < part.length; i++) partMs.push(ms);
      }
      const partsSeconds = (performance.now() - partsStarted) / 1000;

      let next = 0;
      const single = await runCannon({
        url: base,
        connections: 16,
        amount: singles.length,
        requests: [
          {
            method: 'POST',
            setupRequest: (request: autocannon.Request) => {
              const device = singles[next++ % singles.length]!;
              return {
                ...request,
                path: `/api/sites/${installer.siteId}/devices`,
                headers: { ...installer.auth, 'content-type': 'application/json' },
                body: JSON.stringify({
                  serialNumber: device.serialNumber,
                  securityCode: device.securityCode,
                }),
              };
            },
          },
        ],
      });
      const rowsPerSecond = options.rows / (whole.ms / 1000);
      const claimsPerSecond = single.requests.total / Math.max(0.001, single.duration);
      return {
        dialect: options.dialect,
        rows: options.rows,
        oneRequest: {
          seconds: round(whole.ms / 1000, 2),
          rowsPerSecond: round(rowsPerSecond, 0),
          outcomes,
        },
        inParts: {
          partRows: PART_ROWS,
          rowsPerSecond: round(parted.length / partsSeconds, 0),
          p50Ms: round(percentile(partMs, 50), 0),
          p99Ms: round(percentile(partMs, 99), 0),
        },
        single: {
          claims: single.requests.total,
          claimsPerSecond: round(claimsPerSecond, 0),
          p50Ms: single.latency.p50,
          p99Ms: single.latency.p99,
        },
        ratio: round(rowsPerSecond / Math.max(1, claimsPerSecond), 2),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

/** The RESULTS.md section of the bulk figures. */
export function bulkMarkdown(figures: BulkFigures[]): string[] {
  return [
    '## Bulk add: `POST /api/sites/:siteId/devices/bulk`',
    '',
    "A CSV file of unowned devices (every row an add), beside single claims of as many other devices on the same cloud and database, 16 at a time (a bulk request claims 16 rows at a time). One request: the whole file in one request. In parts: the same number of rows sent as `latchkey claim` sends them, 500 rows a request, one after the other; a row is answered when its part is, so its latency is its part's. Ratio: bulk rows/s (one request) ÷ single claims/s.",
    '',
    '| database | rows | one request s | rows/s | in parts rows/s | p50 ms per row | p99 ms per row | single claims/s | single p50 ms | single p99 ms | ratio | outcomes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...figures.map(
      (f) =>
        `| ${f.dialect} | ${f.rows.toLocaleString('en')} | ${f.oneRequest.seconds} | ${f.oneRequest.rowsPerSecond} | ${f.inParts.rowsPerSecond} | ${f.inParts.p50Ms} | ${f.inParts.p99Ms} | ${f.single.claimsPerSecond} | ${f.single.p50Ms} | ${f.single.p99Ms} | ${f.ratio} | ${Object.entries(
          f.oneRequest.outcomes,
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')} |`,
    ),
    '',
  ];
}
