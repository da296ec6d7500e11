import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const execFileAsync = promisify(execFile);

/** The checkout's root folder. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The CLI entry, as `npx latchkey` runs it. */
export const cliPath = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

/** A TCP port that was free a moment ago (for child processes that need a fixed one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer in ${timeoutMs} ms: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * `latchkey serve <args> --port N` on a port that was free, until it answers `/healthz`. A port
 * that another process took between `freePort` and the child's listen is tried again with
 * another; any other failure to start fails with the child's output.
 */
export async function spawnServe(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const serve = spawnCli(['serve', ...args, '--port', String(port)], options);
    try {
      await serve.answering(`http://127.0.0.1:${port}/healthz`);
      return { ...serve, port, url: `http://127.0.0.1:${port}` };
    } catch (error) {
      await serve.stop('SIGKILL');
      if (attempt < 3 && /already in use/.test(serve.output())) continue;
      throw error;
    }
  }
}

/** Starts `latchkey <args>` as a child process; its output is kept for failure messages. */
export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child: ChildProcess = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    output: () => output,
    /**
     * Waits until `url` answers; fails at once, with the child's output, if the child exits first
     * (a crash at start would otherwise look like a slow start).
     */
    async answering(url: string, timeoutMs = 30_000): Promise<void> {
      const died = exited.then((code) => {
        throw new Error(
          `latchkey ${args[0]} exited with ${code} before ${url} answered:\n${output}`,
        );
      });
      await Promise.race([waitForHttp(url, timeoutMs), died]);
      died.catch(() => {});
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `latchkey ARGS` to its end in `cwd`, with `env` over this process's environment. */
export async function runLatchkey(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cliPath, ...args], {
      cwd,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** An empty folder of the test's own, removed after it. */
export function tempFolder(t: { after: (fn: () => void) => void }, prefix = 'latchkey-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
