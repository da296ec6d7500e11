import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CleanupContext } from './cloud.ts';
import { cliPath, freePort, spawnCli, spawnServe, waitForHttp } from './processes.ts';

const exec = promisify(execFile);

/** One device as `latchkey mint --json` prints it. */
export interface MintedByCli {
  serialNumber: string;
  securityCode: string;
  model: string;
  identityFile: string;
}

/**
 * A real `latchkey serve` on a free port with its data in `work/data`, and `extraArgs` after
 * the others; stopped after the test.
 */
export async function startServeProcess(t: CleanupContext, work: string, extraArgs: string[] = []) {
  const dataDir = join(work, 'data');
  const server = await spawnServe(['--host', '127.0.0.1', '--data', dataDir, ...extraArgs], {
    cwd: work,
  });
  t.after(() => server.stop());
  return { dataDir, ...server };
}

/** `latchkey mint --json` into `work/data` (the cloud's data folder), identities in `work/devices`. */
export async function mintWithCli(work: string, count: number): Promise<MintedByCli[]> {
  const { stdout } = await exec(
    process.execPath,
    [
      cliPath,
      'mint',
      '--count',
      String(count),
      '--out',
      join(work, 'devices'),
      '--data',
      join(work, 'data'),
      '--json',
    ],
    { cwd: work },
  );
  return JSON.parse(stdout) as MintedByCli[];
}

/**
 * A real `latchkey device` for a minted unit on a free port, its state in
 * `work/device-<serial>`, linked to `cloudUrl` when given; without `adminPassword` the login is
 * the factory `admin`/`2n`. Resolves once its admin API answers; stopped after the test.
 */
export async function startDeviceProcess(
  t: CleanupContext,
  work: string,
  unit: MintedByCli,
  options: { cloudUrl?: string; adminPassword?: string } = {},
) {
  const port = await freePort();
  const args = [
    'device',
    '--identity',
    unit.identityFile,
    '--data',
    join(work, `device-${unit.serialNumber}`),
  ];
  args.push('--port', String(port));
  if (options.cloudUrl) args.push('--cloud', options.cloudUrl);
  if (options.adminPassword) args.push('--admin-password', options.adminPassword);
  const intercom = spawnCli(args, { cwd: work });
  t.after(() => intercom.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/admin/api/session`);
  return { url, ...intercom };
}
