// A cloud node for the benchmarks, in its own process so the load generator does not share its
// event loop. Claim rate limits are lifted: the mix sends many wrong codes on purpose.
import { startCloud } from '../src/cloud/cloud.ts';

const [dataDir, databaseUrl] = process.argv.slice(2);
const cloud = await startCloud({
  dataDir: dataDir!,
  databaseUrl: databaseUrl || undefined,
  port: 0,
  host: '127.0.0.1',
  claimLimits: { maxFailures: Number.MAX_SAFE_INTEGER, windowMs: 60_000 },
});
process.stdout.write(`${JSON.stringify({ url: cloud.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => void cloud.close().then(() => process.exit(0)));
