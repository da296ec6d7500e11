import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfigXml } from '../../src/device/config.xml.ts';
import { Device } from '../../src/device/device.ts';
import { makeIdentity, tempDir, writeIdentity } from './helpers.ts';

const DRIVER = fileURLToPath(new URL('./crash-writer.driver.ts', import.meta.url));
const ITERATIONS = 15;

/** Runs the writer until it has reported `writes` durable writes, then SIGKILLs it. */
function runAndKill(identityFile: string, dataDir: string, writes: number) {
  return new Promise<{ lastConfig: number; lastGeneration: number; started: number }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [DRIVER, identityFile, dataDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let buffer = '';
      let stderr = '';
      let lastConfig = -1;
      let lastGeneration = -1;
      let started = -1;
      let seen = 0;
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the writer made no progress in 20 s: ${stderr}`));
      }, 20_000);
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) {
          const [kind, a, b] = line.split(' ');
          if (kind === 'ready') {
            started = Number(a);
            lastConfig = Number(a);
            lastGeneration = Number(b);
          }
          if (kind === 'c') {
            lastConfig = Number(a);
            seen += 1;
          }
          if (kind === 'g') lastGeneration = Number(a);
        }
        if (seen >= writes && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        if (signal !== 'SIGKILL')
          reject(new Error(`the writer exited on its own (${code}): ${stderr}`));
        else resolve({ lastConfig, lastGeneration, started });
      });
    },
  );
}

test('killing the device (SIGKILL) in the middle of configuration writes always leaves a valid configuration', async (t) => {
  const dir = await tempDir(t);
  const identity = makeIdentity();
  const identityFile = await writeIdentity(dir, identity);
  const dataDir = join(dir, 'data');
  let previousGeneration = 0;

  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const run = await runAndKill(identityFile, dataDir, randomInt(1, 40));
    const xml = await readFile(join(dataDir, 'config.xml'), 'utf8');
    const parsed = parseConfigXml(xml);
    assert.ok(parsed.ok, `iteration ${iteration}: ${parsed.ok ? '' : parsed.message}`);
    const counter = Number(/^crash-(\d+)$/.exec(parsed.value.webServer.deviceName)?.[1] ?? 0);
    assert.ok(
      counter >= run.lastConfig,
      `iteration ${iteration}: a reported write (${run.lastConfig}) was lost (${counter})`,
    );
    assert.ok(
      counter <= run.lastConfig + 1,
      `iteration ${iteration}: state ${counter} was never written`,
    );
    assert.equal(parsed.value.directory.users.length, counter % 40, 'the file is one whole state');

    const stored = JSON.parse(await readFile(join(dataDir, 'protected.json'), 'utf8')) as {
      codeGeneration: number;
    };
    assert.ok(stored.codeGeneration >= run.lastGeneration, 'a reported Generate New was lost');
    assert.ok(stored.codeGeneration >= previousGeneration, 'the code generation went down');
    previousGeneration = stored.codeGeneration;
  }

  // The device starts from what the crashes left, and the leftover temp files are cleaned up.
  const device = await Device.open({ identityFile, dataDir });
  t.after(() => device.close());
  assert.equal(device.securityCode.generation, previousGeneration);
  const leftovers = (await readdir(dataDir)).filter((name) => name.includes('.tmp-'));
  assert.deepEqual(leftovers, []);
});
