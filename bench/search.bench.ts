// node bench/search.bench.ts [--quick]: the company-wide device search (issue 18), GET /api/devices,
// at a company of 100 devices and one of 10,000 in the same run. Benchmarks are not tests:
// nothing here asserts a timing.
import { sql } from 'kysely';
import { parseArgs } from 'node:util';
import { startCloud, type RunningCloud } from '../src/cloud/cloud.ts';
import { encodeCursor } from '../src/cloud/store/cursor.ts';
import { postgresTestDialect, sqliteTestDialect } from '../test/helpers/databases.ts';
import { createSite, registerAccount } from '../test/helpers/factories.ts';
import type { ApiClient } from '../test/helpers/http.ts';
import { percentile, round } from './harness.ts';

export interface SearchFigures {
  dialect: 'sqlite' | 'postgres';
  devices: number;
  sites: number;
  /** Each figure: p50 and p99 ms over `requests` sequential requests of one person. */
  requests: number;
  firstPage: { p50: number; p99: number };
  /** The page after the device at 90 % of the serial order (keyset: no offset to skip). */
  deepPage: { p50: number; p99: number };
  /** A display name only one device has: every device of the company is looked at. */
  rareName: { p50: number; p99: number };
  /** One site's devices, first page. */
  oneSite: { p50: number; p99: number };
}

const SITES = 10;
/** Devices of another company in the same database, which the search must never look at. */
const OTHER_COMPANY_DEVICES = 1000;

/** Gives `siteIds` `count` new devices in turn, named "Door n", straight into the store. */
async function fill(cloud: RunningCloud, siteIds: string[], userId: string, count: number) {
  const minted = await cloud.services.registry.mint({
    count,
    model: '2N IP Verso',
    batchSize: 1000,
  });
  const now = new Date().toISOString();
  for (let start = 0; start < minted.length; start += 500) {
    const slice = minted.slice(start, start + 500);
    const siteOf = (i: number) => siteIds[(start + i) % siteIds.length]!;
    await cloud.store.db
      .insertInto('ownerships')
      .values(
        slice.map((d, i) => ({
          serial_number: d.serialNumber,
          site_id: siteOf(i),
          claimed_generation: 0,
          claimed_at: now,
          claimed_by: userId,
        })),
      )
      .execute();
    await cloud.store.db
      .insertInto('device_settings')
      .values(
        slice.map((d, i) => ({
          serial_number: d.serialNumber,
          site_id: siteOf(i),
          configuration_mode: 'automatic' as const,
          name: `Door ${start + i}`,
          location: (start + i) % 2 === 0 ? 'Main entrance' : 'Courtyard',
          updated_at: now,
        })),
      )
      .execute();
  }
  return minted.map((d) => d.serialNumber).sort();
}

async function timed(client: ApiClient, path: string, requests: number) {
  const times: number[] = [];
  for (let i = 0; i < requests; i += 1) {
    const started = performance.now();
    const answer = await client.get(path);
    times.push(performance.now() - started);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`);
  }
  return { p50: round(percentile(times, 50), 2), p99: round(percentile(times, 99), 2) };
}

/** One company of `devices` devices over SITES sites, another company beside it. */
export async function benchSearch(options: {
  dialect: 'sqlite' | 'postgres';
  devices: number;
  requests: number;
}): Promise<SearchFigures> {
  const database = await (
    options.dialect === 'sqlite' ? sqliteTestDialect : postgresTestDialect
  ).create();
  const cloud = await startCloud({
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    port: 0,
    host: '127.0.0.1',
  });
  try {
    const anna = await registerAccount(cloud, { name: 'Anna' });
    const sites = [];
    for (let i = 0; i < SITES; i += 1) sites.push(await createSite(anna.client, `Site ${i}`));
    const serials = await fill(
      cloud,
      sites.map((s) => s.id),
      anna.user.id,
      options.devices,
    );
    const bob = await registerAccount(cloud, { name: 'Bob' });
    const bobs = await createSite(bob.client, 'Elsewhere');
    await fill(cloud, [bobs.id], bob.user.id, OTHER_COMPANY_DEVICES);
    // Statistics as a running server would have them after autovacuum.
    if (options.dialect === 'postgres') await sql`analyze`.execute(cloud.store.db);
    const deep = encodeCursor([serials[Math.floor(serials.length * 0.9)]!]);
    const { requests } = options;
    // Warm-up: the statements compiled, the pages in the cache.
    await timed(anna.client, '/api/devices', 20);
    return {
      dialect: options.dialect,
      devices: options.devices,
      sites: SITES,
      requests,
      firstPage: await timed(anna.client, '/api/devices?limit=50', requests),
      deepPage: await timed(anna.client, `/api/devices?limit=50&cursor=${deep}`, requests),
      rareName: await timed(
        anna.client,
        `/api/devices?query=${encodeURIComponent(`door ${options.devices - 1}`)}`,
        requests,
      ),
      oneSite: await timed(anna.client, `/api/devices?siteId=${sites[3]!.id}`, requests),
    };
  } finally {
    await cloud.close();
    await database.drop();
  }
}

/** The figures as RESULTS.md shows them. */
export function searchMarkdown(figures: SearchFigures[]): string[] {
  const cell = (f: { p50: number; p99: number }) => `${f.p50} / ${f.p99}`;
  return [
    '## Device search: `GET /api/devices`',
    '',
    `A company's devices over ${SITES} sites, named "Door n", beside another company of ${OTHER_COMPANY_DEVICES.toLocaleString('en')} devices in the same database; its admin asks, one request after another (${figures[0]?.requests ?? 0} each, after a warm-up), pages of 50. Deep page: the page after the device at 90 % of the serial order (keyset on the serial number: nothing is skipped). Rare name: a display name only one device has, so every device of the company is looked at. Figures in ms, p50 / p99, HTTP included.`,
    '',
    '| database | devices | first page | deep page | rare name | one site |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...figures.map(
      (f) =>
        `| ${f.dialect} | ${f.devices.toLocaleString('en')} | ${cell(f.firstPage)} | ${cell(f.deepPage)} | ${cell(f.rareName)} | ${cell(f.oneSite)} |`,
    ),
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
  const figures: SearchFigures[] = [];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const devices of values.quick ? [100, 1000] : [100, 10_000]) {
      figures.push(await benchSearch({ dialect, devices, requests: values.quick ? 20 : 200 }));
    }
  }
  process.stdout.write(
    `${JSON.stringify(figures, null, 2)}\n${searchMarkdown(figures).join('\n')}\n`,
  );
}
