import { resolve } from 'node:path';
import { findIdentityFiles, startFleet } from '../device/fleet.ts';
import {
  intOption,
  parseApiAccount,
  parseCommandArgs,
  UsageError,
  type Command,
} from './command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: latchkey fleet --identities DIR [--cloud URL] [--link-when-started N]
                     [--http-ports FROM] [--host ADDR] [--admin-password PW]
                     [--api-account NAME:PASSWORD]…

Runs every device of DIR (the --out folder of "latchkey mint": DIR/<serial>/identity.json) as
an emulated intercom in one process, each with its own state in DIR/<serial>/data, for demos
and load tests. A progress bar shows how many are linked to the cloud.

Options:
  --identities DIR   folder of identity files (required)
  --cloud URL        the cloud's base URL (e.g. http://127.0.0.1:8080) or a broker URL
  --link-when-started N
                     start every device first, then link them all, N connecting at a time
                     (a connect storm, as when a building's network comes back)
  --http-ports FROM  also serve each device's HTTP interfaces on FROM, FROM+1, …
  --host ADDR        address for the HTTP servers (default 127.0.0.1)
  --admin-password PW
                     every device's administrator password at first start, so that its
                     web interfaces and front panel (/admin/api/front-panel) open at once
  --api-account NAME:PW
                     an HTTP API account with every privilege on every device; the
                     services then accept Basic and Digest over plain HTTP (repeatable)
  -h, --help         show this help`;

export const fleetCommand: Command = {
  name: 'fleet',
  summary: 'Run every identity in a folder as an emulated device in one process.',
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, {
      identities: { type: 'string' },
      cloud: { type: 'string' },
      'http-ports': { type: 'string' },
      host: { type: 'string' },
      'link-when-started': { type: 'string' },
      'admin-password': { type: 'string' },
      'api-account': { type: 'string', multiple: true },
    });
    if (!args.identities)
      throw new UsageError('--identities DIR is required (the --out folder of "latchkey mint").');
    const httpPortFrom =
      args['http-ports'] === undefined
        ? undefined
        : intOption(args['http-ports'], 'http-ports', 8081, { min: 1, max: 65535 });
    const linkWhenStarted =
      args['link-when-started'] === undefined
        ? undefined
        : intOption(args['link-when-started'], 'link-when-started', 64, { min: 1, max: 100_000 });
    if (linkWhenStarted !== undefined && !args.cloud) {
      throw new UsageError('--link-when-started needs --cloud URL: there is nothing to link to.');
    }
    const apiAccounts = (args['api-account'] ?? []).map(parseApiAccount);
    const files = await findIdentityFiles(resolve(args.identities));
    if (httpPortFrom !== undefined && httpPortFrom + files.length - 1 > 65535) {
      throw new UsageError(
        `--http-ports ${httpPortFrom} leaves no room for ${files.length} devices below port 65535.`,
      );
    }
    const starting = new ProgressBar('Starting', files.length);
    const linking = args.cloud ? new ProgressBar('Linked to the cloud', files.length) : null;
    let lastStarted = 0;
    const fleet = await startFleet({
      identityFiles: files,
      cloudUrl: args.cloud,
      httpPortFrom,
      host: args.host,
      linkWhenStarted,
      adminPassword: args['admin-password'],
      apiAccounts,
      onStarted: (count) => {
        starting.tick(count - lastStarted);
        lastStarted = count;
      },
      onConnected: () => linking?.tick(),
    });
    starting.finish();
    console.log(
      `${fleet.members.length} devices running${args.cloud ? `, linking to ${args.cloud}` : ''}${httpPortFrom !== undefined ? `, HTTP on ports ${httpPortFrom}–${httpPortFrom + files.length - 1}` : ''}. Ctrl+C stops them.`,
    );
    await new Promise<void>((done) => {
      const stop = () => {
        linking?.finish();
        void fleet.close().then(done);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
