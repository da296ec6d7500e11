import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CleanupContext } from '../helpers/cloud.ts';
import { freePort } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);

/** Debian's paths (apt-get install mosquitto), overridable for other systems. */
export const MOSQUITTO = process.env.LATCHKEY_TEST_MOSQUITTO ?? '/usr/sbin/mosquitto';
export const DYNSEC_PLUGIN =
  process.env.LATCHKEY_TEST_DYNSEC_PLUGIN ??
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface TestBroker {
  port: number;
  adminUser: string;
  adminPassword: string;
  /** mqtt://admin:pw@127.0.0.1:port, what `latchkey serve --broker` takes. */
  adminUrl: string;
  /** mqtt://127.0.0.1:port, what devices connect to. */
  url: string;
  output(): string;
  stop(): Promise<void>;
  /** Freezes the broker (SIGSTOP): its sockets stay open, but it answers nothing. */
  pause(): void;
  /** Lets a paused broker run again (SIGCONT). */
  resume(): void;
}

/**
 * A Mosquitto of its own for one test: a free port on 127.0.0.1, no anonymous logins, the
 * dynamic-security plugin with a fresh file holding only an administrator. Never the
 * machine's own Mosquitto on 1883.
 */
export async function startTestBroker(t: CleanupContext): Promise<TestBroker> {
  if (!existsSync(MOSQUITTO) || !existsSync(DYNSEC_PLUGIN)) {
    throw new Error(
      `Mosquitto (${MOSQUITTO}) and its dynamic-security plugin (${DYNSEC_PLUGIN}) are needed: apt-get install mosquitto (.ci/run does).`,
    );
  }
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-mosquitto-'));
  const adminUser = 'latchkey-admin';
  const adminPassword = 'admin-password-for-tests';
  const dynsecFile = join(folder, 'dynamic-security.json');
  await exec('mosquitto_ctrl', ['dynsec', 'init', dynsecFile, adminUser, adminPassword]);
  const port = await freePort();
  const config = join(folder, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      'persistence false',
      // Run as whoever runs the test (as root Mosquitto would switch to the user "mosquitto",
      // who cannot read the private temp folder).
      `user ${userInfo().username}`,
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // A paused broker would not act on SIGTERM until it runs again.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  };
  t.after(stop);
  await waitFor(
    `Mosquitto listening on ${port}`,
    () => {
      if (child.exitCode !== null) throw new Error(`Mosquitto exited: ${output}`);
      return (
        /Opening ipv4 listen socket on port/.test(output) ||
        /mosquitto version .* running/.test(output)
      );
    },
    10_000,
  );
  return {
    port,
    adminUser,
    adminPassword,
    adminUrl: `mqtt://${adminUser}:${adminPassword}@127.0.0.1:${port}`,
    url: `mqtt://127.0.0.1:${port}`,
    output: () => output,
    stop,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}
