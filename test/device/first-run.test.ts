import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startDevice } from '../../src/device/device.server.ts';
import {
  adminWithPassword,
  digestHeader,
  makeIdentity,
  tempDir,
  writeIdentity,
  type Envelope,
} from './helpers.ts';

// The "first run, as a new integrator meets it": `latchkey device` with no options but
// its identity, data folder and ports, against the factory defaults (2N HTTP API §3: HTTPS
// only, Digest, once an HTTP API account exists).

const BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

async function startProcess(t: TestContext, extra: string[] = []) {
  const dir = await tempDir(t);
  const identity = makeIdentity();
  const identityFile = await writeIdentity(dir, identity);
  const child = spawn(
    process.execPath,
    [
      BIN,
      'device',
      '--identity',
      identityFile,
      '--data',
      join(dir, 'data'),
      '--port',
      '0',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  for (let i = 0; i < 300 && !/Classic interface/.test(stdout); i++) {
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.match(stdout, /Classic interface/, `no banner; stderr: ${stderr}`);
  return { identity, stdout, child, exited };
}

function httpsGet(url: string, authorization?: string) {
  return new Promise<{
    status: number;
    body: string;
    headers: IncomingHttpHeaders;
    subject: string;
  }>((resolve, reject) => {
    const request = httpsRequest(
      url,
      { rejectUnauthorized: false, agent: false, headers: authorization ? { authorization } : {} },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            body,
            headers: response.headers,
            subject: (response.socket as TLSSocket).getPeerX509Certificate?.()?.subject ?? '',
          }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

test('a device started with no options serves HTTPS and answers system/info with Digest once an API account exists', async (t) => {
  const { identity, stdout } = await startProcess(t, ['--https-port', '0']);
  const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
  const httpsInfo = /HTTP API \(HTTPS\): +(https:\/\/127\.0\.0\.1:\d+\/api\/system\/info)/.exec(
    stdout,
  )![1]!;

  // The banner lists only what answers: no plain-HTTP HTTP API, no JSON admin API.
  assert.doesNotMatch(stdout, /HTTP API \(HTTP\)/);
  assert.doesNotMatch(stdout, /\/admin\/api\//);
  assert.match(stdout, /Plain HTTP for the HTTP API: allow it per service in Services → HTTP API/);
  assert.match(stdout, /factory password 2n/);
  for (const page of [`${url}/`, `${url}/classic/`]) {
    const response = await fetch(page);
    assert.equal(response.status, 200, page);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/, page);
  }
  const plain = (await (await fetch(`${url}/api/system/info`)).json()) as Envelope;
  assert.equal(plain.success, false);
  assert.equal((plain as { error: { code: number } }).error.code, 7);

  // HTTPS answers with the device's self-signed certificate and asks for Digest.
  const challenge = await httpsGet(httpsInfo);
  assert.equal(challenge.status, 401);
  assert.match(
    challenge.subject,
    new RegExp(`CN=2N-IP-${identity.serialNumber.replace(/-/g, '')}`),
  );
  assert.match(String(challenge.headers['www-authenticate']), /Digest realm="HTTP API"/);

  // An installer adds an HTTP API account in the web interface; Digest over HTTPS then works.
  const admin = await adminWithPassword(url);
  const saved = await admin.request('PUT', '/admin/api/http-api/accounts/1', {
    username: 'integrator',
    password: 'api-pass-1',
    privileges: [],
  });
  assert.equal(saved.status, 200, await saved.text());
  const fresh = await httpsGet(httpsInfo);
  const authorization = digestHeader(String(fresh.headers['www-authenticate']), {
    username: 'integrator',
    password: 'api-pass-1',
    method: 'GET',
    uri: '/api/system/info',
  });
  const info = await httpsGet(httpsInfo, authorization);
  assert.equal(info.status, 200, info.body);
  const body = JSON.parse(info.body) as Envelope<{ serialNumber: string }>;
  assert.ok(body.success);
  assert.equal(body.result!.serialNumber, identity.serialNumber);
});

test('the default HTTPS port is written down in the usage text, and --https-port off turns HTTPS off', async (t) => {
  const help = spawn(process.execPath, [BIN, 'device', '--help'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  help.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  help.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(help, 'exit');
  assert.match(text, /--https-port N\|off +HTTPS port \(default 8443/);

  const { stdout } = await startProcess(t, ['--https-port', 'off']);
  assert.doesNotMatch(stdout, /https:\/\//);
  assert.match(stdout, /HTTPS is off/);
});

test('with --api-account the banner lists the HTTP API over plain HTTP too, and it answers', async (t) => {
  const { stdout } = await startProcess(t, ['--api-account', 'integrator:api-pass-1']);
  const httpInfo = /HTTP API \(HTTP\): +(http:\/\/127\.0\.0\.1:\d+\/api\/system\/info)/.exec(
    stdout,
  )![1]!;
  assert.match(stdout, /HTTP API \(HTTPS\): +https:\/\/127\.0\.0\.1:\d+\/api\/system\/info/);
  assert.doesNotMatch(stdout, /Plain HTTP for the HTTP API/);
  const response = await fetch(httpInfo, {
    headers: { authorization: `Basic ${Buffer.from('integrator:api-pass-1').toString('base64')}` },
  });
  assert.equal(((await response.json()) as Envelope).success, true);
});

async function blockedPort(t: TestContext): Promise<number> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  return (blocker.address() as { port: number }).port;
}

test('when the default HTTPS port is taken the device serves HTTPS on a free port and says so', async (t) => {
  const port = await blockedPort(t);
  const dir = await tempDir(t);
  const running = await startDevice({
    identityFile: await writeIdentity(dir, makeIdentity()),
    dataDir: join(dir, 'data'),
    port: 0,
    httpsPort: port,
    httpsPortIsDefault: true,
  });
  t.after(() => running.close());
  assert.ok(running.httpsUrl);
  assert.notEqual(new URL(running.httpsUrl).port, String(port));
  assert.match(running.notes.join('\n'), new RegExp(`Port ${port} was in use.*--https-port`));
  assert.equal((await httpsGet(`${running.httpsUrl}/api/system/info`)).status, 401);
});

test('an --https-port that is taken stops the start with a message naming the option', async (t) => {
  const port = await blockedPort(t);
  const dir = await tempDir(t);
  const identityFile = await writeIdentity(dir, makeIdentity());
  const child = spawn(
    process.execPath,
    [BIN, 'device', '--identity', identityFile, '--port', '0', '--https-port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`Port ${port} on 127.0.0.1 is already in use.*--https-port`));
});
