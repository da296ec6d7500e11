import { randomBytes } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { openCloud } from '../src/cloud/cloud.ts';
import type { MintedDevice } from '../src/cloud/services/registry.service.ts';
import { CROCKFORD_ALPHABET } from '../src/core/crockford.codec.ts';
import { postgresTestDialect, sqliteTestDialect } from '../test/helpers/databases.ts';
import { benchDir, round, startChild } from './harness.ts';

export interface ClaimFigures {
  dialect: 'sqlite' | 'postgres';
  registrySize: number;
  /** How many installers (account, site, token, client address) the claims come from. */
  clients: number;
  claims: { rps: number; p50: number; p99: number; statuses: Record<string, number> };
  ceiling: { rps: number; p50: number; p99: number };
  /** The median of the rounds' ratios; claims and ceiling above are that round's. */
  claimsRatio: number;
  /** Claims and ceiling measured in turns, one ratio per round. */
  rounds: { claimsRps: number; ceilingRps: number; ratio: number }[];
  at80: { rate: number; rps: number; p50: number; p99: number };
  /**
   * The worst case: the same mix from one account and one address, whose claims the rate
   * limit serialises on PostgreSQL (at full speed, then at 80 % of that).
   */
  oneClient: {
    claims: { rps: number; p50: number; p99: number };
    claimsRatio: number;
    at80: { rate: number; rps: number; p50: number; p99: number };
  };
  mintSeconds: number;
}

async function json(url: string, init: RequestInit & { cookie?: string }) {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** An account with a site and a bearer token, made over the real API. */
export async function account(base: string, name: string) {
  const email = `${name}-${randomBytes(4).toString('hex')}@bench.example`;
  const registered = await json(`${base}/api/auth/register`, {
    method: 'POST',
    body: JSON.stringify({ email, password: 'bench password 2026', name }),
  });
  const cookie = registered.response.headers.get('set-cookie')!.split(';')[0]!;
  const token = (
    await json(`${base}/api/tokens`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': registered.body.csrfToken as string },
      body: '{}',
    })
  ).body.token as string;
  const auth = { authorization: `Bearer ${token}` };
  const site = (
    await json(`${base}/api/sites`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name }),
    })
  ).body;
  return { auth, siteId: site.id as string };
}

const randomCode = () =>
  Array.from({ length: 16 }, () => CROCKFORD_ALPHABET[randomBytes(1)[0]! % 32]).join('');

function figures(result: Result) {
  return {
    rps: round(result.requests.average, 0),
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/**
 * Claims per second and latency on a registry of `registrySize` devices with a realistic mix
 * (half successful adds, a quarter already added elsewhere, a quarter wrong codes) from
 * `clients` installers, each with an account, a site and an address of its own (sent as
 * X-Forwarded-For, which the benchmark's cloud trusts), beside a trivial authenticated route
 * (GET /api/me) on the same server as the ceiling; then the same mix from one installer.
 */
export async function benchClaims(options: {
  dialect: 'sqlite' | 'postgres';
  registrySize: number;
  durationSeconds: number;
  connections: number;
  /** Installers the claims come from (default 32). */
  clients?: number;
  /** Rounds of claims then ceiling (default 3). */
  rounds?: number;
  cpuProfileDir?: string;
}): Promise<ClaimFigures> {
  const warmupSeconds = Math.min(2, options.durationSeconds);
  const database = await (
    options.dialect === 'sqlite' ? sqliteTestDialect : postgresTestDialect
  ).create();
  try {
    const mintStarted = Date.now();
    const opened = await openCloud({
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
    });
    let minted: MintedDevice[];
    try {
      minted = await opened.services.registry.mint({
        count: options.registrySize,
        model: '2N IP Verso',
        batchSize: 1000,
      });
    } finally {
      await opened.store.close();
    }
    const mintSeconds = (Date.now() - mintStarted) / 1000;

    const server = await startChild<{ url: string }>(
      `${benchDir}cloud.child.ts`,
      [database.dataDir, database.databaseUrl ?? ''],
      options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [],
    );
    try {
      const base = server.ready.url;
      const owner = await account(base, 'owner');
      const clientCount = options.clients ?? 32;
      const installers = await Promise.all(
        Array.from({ length: clientCount }, async (_, i) => ({
          ...(await account(base, `installer-${i}`)),
          address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        })),
      );
      const ownedCount = Math.min(500, Math.floor(minted.length / 10));
      const owned = minted.slice(0, ownedCount);
      for (const device of owned) {
        await json(`${base}/api/sites/${owner.siteId}/devices`, {
          method: 'POST',
          headers: owner.auth,
          body: JSON.stringify({
            serialNumber: device.serialNumber,
            securityCode: device.securityCode,
          }),
        });
      }
      const unowned = minted.slice(ownedCount);
      let nextAdd = 0;
      let step = 0;
      // 50 % adds of unowned devices, 25 % already added elsewhere, 25 % wrong codes.
      const nextBody = () => {
        const kind = step++ % 4;
        if (kind < 2 && nextAdd < unowned.length) {
          const device = unowned[nextAdd++]!;
          return { serialNumber: device.serialNumber, securityCode: device.securityCode };
        }
        if (kind === 2 || nextAdd >= unowned.length) {
          const device = owned[step % owned.length]!;
          return { serialNumber: device.serialNumber, securityCode: device.securityCode };
        }
        const device = minted[step % minted.length]!;
        return { serialNumber: device.serialNumber, securityCode: randomCode() };
      };
      /** The claims of `from`, in turn; each from its own site, token and address. */
      const claimRequest = (from: typeof installers) => {
        let turn = 0;
        return {
          url: base,
          connections: options.connections,
          duration: options.durationSeconds,
          requests: [
            {
              method: 'POST' as const,
              setupRequest: (request: autocannon.Request) => {
                const installer = from[turn++ % from.length]!;
                return {
                  ...request,
                  path: `/api/sites/${installer.siteId}/devices`,
                  headers: {
                    ...installer.auth,
                    'content-type': 'application/json',
                    'x-forwarded-for': installer.address,
                  },
                  body: JSON.stringify(nextBody()),
                };
              },
            },
          ],
        };
      };
      const atFullSpeedAnd80 = async (from: typeof installers) => {
        const full = await run(claimRequest(from));
        const rate = Math.max(1, Math.floor(figures(full).rps * 0.8));
        const at80 = await run({ ...claimRequest(from), overallRate: rate });
        return { full, at80: { rate, ...figures(at80) } };
      };

      const ceilingRequest = {
        url: `${base}/api/me`,
        connections: options.connections,
        headers: installers[0]!.auth,
      };
      // Unmeasured first: the first seconds of a fresh process run unoptimised code and fill
      // the connection pool, and would be charged to whichever figure came first.
      await run({ ...claimRequest(installers), duration: warmupSeconds });
      await run({ ...ceilingRequest, duration: warmupSeconds });
      // Claims and ceiling in turns, each round's ratio from two runs seconds apart: what else
      // the machine does drifts over a run (runs of one kind differed by up to a third), and
      // the median round is the figure.
      const rounds: { claims: Result; ceiling: Result; ratio: number }[] = [];
      for (let i = 0; i < (options.rounds ?? 3); i++) {
        const claims = await run(claimRequest(installers));
        const ceiling = await run({ ...ceilingRequest, duration: options.durationSeconds });
        rounds.push({
          claims,
          ceiling,
          ratio: figures(claims).rps / Math.max(1, figures(ceiling).rps),
        });
      }
      const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]!;
      const statuses: Record<string, number> = {};
      for (const { claims } of rounds) {
        for (const [code, stat] of Object.entries(claims.statusCodeStats ?? {})) {
          statuses[code] = (statuses[code] ?? 0) + (stat as { count: number }).count;
        }
      }
      const claimFigures = figures(median.claims);
      const ceilingRps = Math.max(1, figures(median.ceiling).rps);
      const rate = Math.max(1, Math.floor(claimFigures.rps * 0.8));
      const at80 = await run({ ...claimRequest(installers), overallRate: rate });
      const oneClient = await atFullSpeedAnd80(installers.slice(0, 1));
      return {
        dialect: options.dialect,
        registrySize: options.registrySize,
        clients: clientCount,
        claims: { ...claimFigures, statuses },
        ceiling: figures(median.ceiling),
        claimsRatio: round(median.ratio, 3),
        rounds: rounds.map((r) => ({
          claimsRps: figures(r.claims).rps,
          ceilingRps: figures(r.ceiling).rps,
          ratio: round(r.ratio, 3),
        })),
        at80: { rate, ...figures(at80) },
        oneClient: {
          claims: figures(oneClient.full),
          claimsRatio: round(figures(oneClient.full).rps / ceilingRps, 3),
          at80: oneClient.at80,
        },
        mintSeconds: round(mintSeconds, 1),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}
