// A cloud node for the benchmarks, in its own process so the load generator does not share its
// event loop. The mix sends many wrong codes from one address on purpose, so the rate-limit
// window is shrunk to 1 ms: every claim still runs the full check against its counters, which
// stay as small as in real use, but the benchmark is not answered 429.
import { startCloud } from '../src/cloud/cloud.ts';

const [dataDir, databaseUrl] = process.argv.slice(2);
const cloud = await startCloud({
  dataDir: dataDir!,
  databaseUrl: databaseUrl || undefined,
  port: 0,
  host: '127.0.0.1',
  claimLimits: { maxFailures: 50, windowMs: 1 },
  // The benchmark registers its 33 accounts from one address, more than an address may
  // register in an hour (login-throttle.service.ts).
  loginLimits: { registrationsPerAddress: { max: 1000, windowMs: 60 * 60_000 } },
  // The claims benchmark sends each installer's address as X-Forwarded-For, as a load balancer
  // would; requests without the header keep the address of their connection.
  trustProxy: true,
});
process.stdout.write(`${JSON.stringify({ url: cloud.url, pid: process.pid })}\n`);
// Once closed, nothing is left to keep the process alive, so it ends by itself.
process.once('SIGTERM', () => void cloud.close());
