import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AdminClient, basic, makeIdentity, tempDir, writeIdentity } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'device', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(predicate(), `timed out waiting for ${what}`);
}

test('latchkey device with --admin-password and --api-account is ready in one command', async (t) => {
  const dir = await tempDir(t);
  const identity = makeIdentity();
  const identityFile = await writeIdentity(dir, identity);
  const device = run([
    '--identity',
    identityFile,
    '--port',
    '0',
    '--admin-password',
    'ready-pass-1',
    '--api-account',
    'integrator:api-pass-1',
  ]);
  t.after(() => device.child.kill('SIGKILL'));
  await waitFor(
    () => /running at http:\/\/127\.0\.0\.1:\d+/.test(device.output().stdout),
    'the start message',
  );
  const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(device.output().stdout)![1]!;
  assert.doesNotMatch(
    device.output().stdout,
    /ready-pass-1|api-pass-1/,
    'passwords are never printed',
  );

  const info = await fetch(`${url}/api/system/info`, {
    headers: { authorization: basic('integrator', 'api-pass-1') },
  });
  assert.deepEqual(
    ((await info.json()) as { result: { serialNumber: string } }).result.serialNumber,
    identity.serialNumber,
  );
  const ctrl = await fetch(`${url}/api/switch/ctrl?switch=1&action=trigger`, {
    headers: { authorization: basic('integrator', 'api-pass-1') },
  });
  assert.deepEqual(await ctrl.json(), { success: true });
  const admin = new AdminClient(url);
  assert.equal((await admin.login('ready-pass-1')).body.mustChangePassword, false);

  device.child.kill('SIGTERM');
  assert.equal(await device.exited, 0);
});

test('latchkey device says clearly when the identity file is missing or malformed, or the port is taken', async (t) => {
  const dir = await tempDir(t);
  const missing = run(['--identity', join(dir, 'nothing.json'), '--port', '0']);
  assert.equal(await missing.exited, 1);
  assert.match(
    missing.output().stderr,
    /identity file .*nothing\.json does not exist.*latchkey mint/,
  );

  const bad = join(dir, 'bad.json');
  await writeFile(
    bad,
    JSON.stringify({
      serialNumber: '54-0562-0293',
      model: '2N IP Verso',
      macAddress: 'x',
      secret: 'y',
    }),
  );
  const malformed = run(['--identity', bad, '--port', '0']);
  assert.equal(await malformed.exited, 1);
  assert.match(malformed.output().stderr, /is malformed \(macAddress: .*secret: 64 hex digits\)/);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const identityFile = await writeIdentity(dir, makeIdentity());
  const taken = run(['--identity', identityFile, '--port', String(port)]);
  assert.equal(await taken.exited, 1);
  assert.match(
    taken.output().stderr,
    new RegExp(`Port ${port} on 127.0.0.1 is already in use.*--port`),
  );

  const usage = run(['--port', '0']);
  assert.equal(await usage.exited, 2);
  assert.match(usage.output().stderr, /--identity FILE is required/);
});

test('latchkey device --cloud keeps serving while the cloud is unreachable and reports the link as connecting', async (t) => {
  const dir = await tempDir(t);
  const identityFile = await writeIdentity(dir, makeIdentity());
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const cloudPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const device = run([
    '--identity',
    identityFile,
    '--port',
    '0',
    '--api-account',
    'integrator:api-pass-1',
    '--cloud',
    `http://127.0.0.1:${cloudPort}`,
  ]);
  t.after(() => device.child.kill('SIGKILL'));
  await waitFor(
    () => /Cloud link: +ws:\/\/127\.0\.0\.1:\d+\/mqtt/.test(device.output().stdout),
    'the start message',
  );
  const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(device.output().stdout)![1]!;
  const status = await fetch(`${url}/api/system/status`, {
    headers: { authorization: basic('integrator', 'api-pass-1') },
  });
  const body = (await status.json()) as { result: { cloud: { state: string } } };
  assert.notEqual(body.result.cloud.state, 'connected');
  device.child.kill('SIGTERM');
  assert.equal(await device.exited, 0);

  const wrong = run(['--identity', identityFile, '--port', '0', '--cloud', 'ftp://example.com']);
  assert.equal(await wrong.exited, 2);
  assert.match(wrong.output().stderr, /--cloud must be the cloud's base URL/);
});
