// node bench/relay.bench.ts [--quick]: remote configuration (issue 19). The same GETs directly on
// the emulated device's port and through the cloud's relay over the device link, in one run: a
// small HTTP API answer and a large camera snapshot. Benchmarks are not tests: nothing here
// asserts a timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCloud } from '../src/cloud/cloud.ts';
import { writeIdentityFile } from '../src/cloud/identity.writer.ts';
import { startDevice } from '../src/device/device.server.ts';
import { DeviceLinkClient } from '../src/device/link/link.client.ts';
import { sqliteTestDialect } from '../test/helpers/databases.ts';
import { claim, codeFor, createSite, registerAccount } from '../test/helpers/factories.ts';
import { percentile, round } from './harness.ts';

export interface RelayFigures {
  requests: number;
  /** Per answer: its bytes, p50/p95 ms directly and through the relay, and what the relay adds. */
  answers: {
    name: string;
    bytes: number;
    direct: { p50: number; p95: number };
    relayed: { p50: number; p95: number };
    addedP50Ms: number;
    ratioP50: number;
  }[];
}

const USER = 'bench';
const PASS = 'bench-pass-1';
const authorization = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;

async function timed(url: string, headers: Record<string, string>, requests: number) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    times.push(performance.now() - start);
    if (!response.ok) throw new Error(`${url.split('?')[0]} answered ${response.status}`);
    bytes = body.length;
  }
  return { bytes, p50: round(percentile(times, 50), 2), p95: round(percentile(times, 95), 2) };
}

export async function benchRelay(options: { requests: number }): Promise<RelayFigures> {
  const database = await sqliteTestDialect.create();
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-relay-bench-'));
  const cloud = await startCloud({ dataDir: database.dataDir, port: 0, host: '127.0.0.1' });
  try {
    const anna = await registerAccount(cloud);
    const site = await createSite(anna.client, 'Bench');
    const [device] = await cloud.services.registry.mint({ count: 1, model: '2N IP Verso' });
    await claim(anna.client, site.id, device!.serialNumber, codeFor(device!, 0));
    const identityFile = join(folder, 'identity.json');
    writeIdentityFile(identityFile, device!);
    const running = await startDevice({
      identityFile,
      dataDir: join(folder, 'data'),
      port: 0,
      adminPassword: 'bench-admin-1',
      apiAccounts: [{ username: USER, password: PASS }],
    });
    const link = new DeviceLinkClient(running.device, { cloudUrl: cloud.url, webUrl: running.url });
    link.start();
    try {
      let opened = await anna.client.post(
        `/api/sites/${site.id}/devices/${device!.serialNumber}/remote`,
        {},
      );
      for (let i = 0; opened.status === 409 && i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        opened = await anna.client.post(
          `/api/sites/${site.id}/devices/${device!.serialNumber}/remote`,
          {},
        );
      }
      if (opened.status !== 201) throw new Error(`remote did not open: ${opened.text}`);
      const remote = (opened.body as { url: string }).url;
      const paths = [
        ['small API answer (system/info)', 'api/system/info'],
        ['larger answer (camera snapshot 1280×960)', 'api/camera/snapshot?width=1280&height=960'],
      ] as const;
      const answers: RelayFigures['answers'] = [];
      for (const [name, path] of paths) {
        const direct = await timed(`${running.url}/${path}`, { authorization }, options.requests);
        const relayed = await timed(
          `${remote}${path}`,
          { authorization, cookie: `latchkey_session=${anna.client.session}` },
          options.requests,
        );
        answers.push({
          name,
          bytes: relayed.bytes,
          direct: { p50: direct.p50, p95: direct.p95 },
          relayed: { p50: relayed.p50, p95: relayed.p95 },
          addedP50Ms: round(relayed.p50 - direct.p50, 2),
          ratioP50: round(relayed.p50 / Math.max(0.01, direct.p50), 1),
        });
      }
      return { requests: options.requests, answers };
    } finally {
      await link.stop();
      await running.close();
    }
  } finally {
    await cloud.close();
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  }
}

export const relayMarkdown = (figures: RelayFigures): string =>
  [
    '| answer | bytes | direct p50 / p95 ms | relayed p50 / p95 ms | added p50 ms | ratio |',
    '| --- | --: | --: | --: | --: | --: |',
    ...figures.answers.map(
      (a) =>
        `| ${a.name} | ${a.bytes} | ${a.direct.p50} / ${a.direct.p95} | ${a.relayed.p50} / ${a.relayed.p95} | ${a.addedP50Ms} | ${a.ratioP50}× |`,
    ),
  ].join('\n');

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
  const figures = await benchRelay({ requests: values.quick ? 10 : 100 });
  console.log(relayMarkdown(figures));
}
