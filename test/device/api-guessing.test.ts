import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  adminWithPassword,
  basic,
  digestChallenge,
  digestHeader,
  makeIdentity,
  startTestDevice,
  tempDir,
  writeIdentity,
} from './helpers.ts';

const USER = 'integrator';
const PASS = 'api-pass-1';
const INFO = '/api/system/info';

/** A GET from a chosen loopback source address, so one test can be two clients. */
function getFrom(url: string, path: string, headers: Record<string, string>, from = '127.0.0.1') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(`${url}${path}`, { headers, localAddress: from }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

async function digestGuess(url: string, username: string, password: string, from?: string) {
  const first = await getFrom(url, INFO, {}, from);
  if (first.status !== 401) return first;
  const challenge = new Response(null, {
    headers: { 'www-authenticate': String(first.headers['www-authenticate']) },
  });
  const authorization = digestHeader(digestChallenge(challenge), {
    username,
    password,
    method: 'GET',
    uri: INFO,
  });
  return getFrom(url, INFO, { authorization }, from);
}

for (const scheme of ['Basic', 'Digest'] as const) {
  test(`${scheme} guessing from one address is refused after 10 failures with Retry-After; another address still logs in`, async (t) => {
    const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
    const guess = (password: string, from?: string) =>
      scheme === 'Basic'
        ? getFrom(url, INFO, { authorization: basic(USER, password) }, from)
        : digestGuess(url, USER, password, from);
    let accepted = 0;
    let refusal;
    for (let i = 0; i < 100; i++) {
      const answer = await guess(`guess-${i}`);
      if (answer.status === 429) {
        refusal = answer;
        break;
      }
      assert.equal(answer.status, 401);
      accepted += 1;
    }
    t.diagnostic(`${scheme}: ${accepted} wrong guesses answered before the refusal`);
    assert.equal(accepted, 10);
    assert.ok(refusal);
    assert.match(String(refusal.headers['retry-after']), /^[1-9]\d*$/);
    const envelope = JSON.parse(refusal.body) as {
      success: boolean;
      error: { code: number; hint: string };
    };
    assert.equal(envelope.success, false);
    assert.equal(envelope.error.code, 9);
    assert.match(envelope.error.hint, /Too many failed authentications.*wait \d+ seconds/);
    assert.equal(
      (await guess(PASS)).status,
      429,
      'the blocked address is refused even with the right password',
    );
    const other = await guess(PASS, '127.0.0.2');
    assert.equal(other.status, 200, 'the right password from another address works');
  });
}

test('guesses per second without the limiter (measured, not asserted)', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: USER, password: PASS }],
    apiGuessLimit: { maxFailures: 1_000_000, windowMs: 60_000, blockMs: 60_000 },
  });
  for (const scheme of ['Basic', 'Digest'] as const) {
    const started = process.hrtime.bigint();
    const count = 300;
    for (let i = 0; i < count; i++) {
      const answer =
        scheme === 'Basic'
          ? await getFrom(url, INFO, { authorization: basic(USER, `guess-${i}`) })
          : await digestGuess(url, USER, `guess-${i}`);
      assert.equal(answer.status, 401);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    t.diagnostic(`${scheme}: ${Math.round(count / seconds)} guesses per second with no limit`);
  }
});

test('an unknown user and a wrong password get byte-identical answers, nonce aside', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const comparable = (answer: {
    status: number;
    headers: Record<string, unknown>;
    body: string;
  }) => ({
    status: answer.status,
    body: answer.body,
    headers: Object.fromEntries(
      Object.entries(answer.headers)
        .filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name))
        .map(([name, value]) => [name, String(value).replace(/nonce="[^"]*"/g, 'nonce="…"')]),
    ),
  });
  const basicWrong = await getFrom(url, INFO, { authorization: basic(USER, 'wrong-pass') });
  const basicUnknown = await getFrom(url, INFO, { authorization: basic('nobody', 'wrong-pass') });
  assert.equal(basicWrong.status, 401);
  assert.deepEqual(comparable(basicUnknown), comparable(basicWrong));
  const digestWrong = await digestGuess(url, USER, 'wrong-pass');
  const digestUnknown = await digestGuess(url, 'nobody', 'wrong-pass');
  assert.equal(digestWrong.status, 401);
  assert.deepEqual(comparable(digestUnknown), comparable(digestWrong));
  assert.doesNotMatch(digestWrong.body, /unknown user|wrong password/);
});

test('an HTTP API password shorter than 8 characters is refused by the admin API and the CLI', async (t) => {
  const { url, device } = await startTestDevice(t);
  const admin = await adminWithPassword(url);
  const short = await admin.json<{ error: { message: string } }>(
    'PUT',
    '/admin/api/http-api/accounts/1',
    {
      username: 'integrator',
      password: 'seven77',
      privileges: [],
    },
  );
  assert.equal(short.status, 400);
  assert.match(JSON.stringify(short.body), /at least 8 characters.*has 7/);
  assert.deepEqual(device.accounts.apiAccounts(), []);

  const dir = await tempDir(t);
  const identityFile = await writeIdentity(dir, makeIdentity());
  const bin = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      bin,
      'device',
      '--identity',
      identityFile,
      '--port',
      '0',
      '--api-account',
      'integrator:seven77',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  assert.notEqual(code, 0);
  assert.match(stderr, /--api-account.*at least 8 characters/);
});
