import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { postgresTestDialect } from '../helpers/databases.ts';
import { cliPath, freePort, repoRoot } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

// The runbook's convention (issue 20, "Every command in it is run by a test"):
// - every fenced ```sh block of docs/operations/*.md is executed;
// - a file's blocks are joined in order and run in one `bash -euo pipefail`, in a temporary
//   working directory, with `latchkey` on PATH (the checkout's CLI, on this test's Node);
// - PORT, METRICS_PORT, PORT2 and BROKER_PORT (free ports), DATA (an empty temporary folder) and
//   DATABASE_URL (a fresh PostgreSQL database of the file's own) are exported;
// - the script runs in a process group of its own, killed at the end with its background jobs;
// - commands shown but not runnable go in ```text blocks, and there are few of them.

const FOLDER = join(repoRoot, 'docs', 'operations');
const SCRIPT_TIMEOUT_MS = 240_000;
/** Commands the runbook shows without running them (a package install, a clone, systemctl). */
const MAX_TEXT_BLOCKS = 10;

function fencedBlocks(markdown: string, language: string): string[] {
  const found: string[] = [];
  for (const match of markdown.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)) {
    if (match[1] === language) found.push(match[2]!);
  }
  return found;
}

const pages = readdirSync(FOLDER)
  .filter((name) => name.endsWith('.md'))
  .sort();
const read = (name: string) => readFileSync(join(FOLDER, name), 'utf8');

/** A folder on PATH whose `latchkey` runs bin/latchkey.js with this Node, and `node` is it. */
function shimFolder(work: string): string {
  const bin = join(work, '.bin');
  mkdirSync(bin);
  const shim = join(bin, 'latchkey');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
  chmodSync(shim, 0o755);
  return `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `script` in its own process group; kills what is left of the group when bash ends. */
async function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => {
    output += `\n[killed after ${SCRIPT_TIMEOUT_MS} ms]\n`;
    process.kill(-child.pid!, 'SIGKILL');
  }, SCRIPT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (groupAlive(child.pid!)) {
    process.kill(-child.pid!, 'SIGTERM');
    try {
      await waitFor('the background jobs to stop', () => !groupAlive(child.pid!), 15_000);
    } catch {
      process.kill(-child.pid!, 'SIGKILL');
    }
  }
  return { code, output: () => output };
}

describe('docs/operations, the runbook', () => {
  it('has an index that links every page, and few commands it does not run', () => {
    const index = read('README.md');
    for (const name of readdirSync(FOLDER)) {
      if (name === 'README.md') continue;
      assert.ok(index.includes(`(${name})`), `README.md links ${name}`);
    }
    const text = pages.reduce((sum, name) => sum + fencedBlocks(read(name), 'text').length, 0);
    assert.ok(text <= MAX_TEXT_BLOCKS, `${text} text blocks; runnable commands go in sh blocks`);
    for (const name of ['install.md', 'upgrade.md', 'nodes.md', 'backup.md']) {
      assert.ok(fencedBlocks(read(name), 'sh').length > 0, `${name} has commands that run`);
    }
  });

  for (const name of pages) {
    const blocks = fencedBlocks(read(name), 'sh');
    if (blocks.length === 0) continue;
    it(`${name}: every sh block runs, in order, in one shell`, async (t) => {
      const work = mkdtempSync(join(tmpdir(), 'latchkey-runbook-'));
      const data = mkdtempSync(join(tmpdir(), 'latchkey-runbook-data-'));
      const database = await postgresTestDialect.create();
      t.after(async () => {
        await database.drop();
        rmSync(work, { recursive: true, force: true });
        rmSync(data, { recursive: true, force: true });
      });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: shimFolder(work),
        PORT: String(await freePort()),
        METRICS_PORT: String(await freePort()),
        PORT2: String(await freePort()),
        BROKER_PORT: String(await freePort()),
        DATA: data,
        DATABASE_URL: database.databaseUrl!,
      };
      // Each page says where its key comes from.
      delete env.LATCHKEY_MASTER_KEY;
      const result = await runScript(blocks.join('\n'), work, env);
      assert.equal(result.code, 0, `${name} failed:\n${result.output()}`);
    });
  }
});
