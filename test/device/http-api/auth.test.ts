import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { vendorCall, vendorError, VENDOR_USER, VENDOR_PASS } from './vendor.helpers.ts';
import { apiPasswordHa1, apiPasswordHa1Sha256 } from '../../../src/device/accounts.service.ts';
import { DigestAuthority } from '../../../src/device/api/auth.digest.ts';
import {
  startTestDevice,
  type Envelope,
  adminWithPassword,
  digestChallenge,
  digestFetch,
  digestHeader,
} from '../helpers.ts';

// 2N HTTP API §3 (services security) and §4 (accounts): Digest per RFC 7616, MD5 and SHA-256.

const USER = 'integrator';
const PASS = 'api-pass-1';
type Algorithm = 'MD5' | 'SHA-256';

const hash = (algorithm: Algorithm, text: string) =>
  createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(text)
    .digest('hex');

/** The challenges of a 401, one string per `WWW-Authenticate` challenge. */
function challengesOf(response: Response): string[] {
  return (response.headers.get('www-authenticate') ?? '').split(/,\s*(?=Basic |Digest )/);
}

function challengeFor(response: Response, algorithm: Algorithm): Record<string, string> {
  const challenge = challengesOf(response).find((c) =>
    new RegExp(`^Digest .*algorithm=${algorithm}(,|$)`).test(c),
  );
  if (!challenge) throw new Error(`no ${algorithm} challenge in ${challengesOf(response)}`);
  return Object.fromEntries(
    [...challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1]!, m[2] ?? m[3]!]),
  );
}

/** An `Authorization: Digest …` answer, computed as an RFC 7616 client does. */
function answer(
  challenge: Record<string, string>,
  options: {
    algorithm: Algorithm;
    method?: string;
    uri: string;
    nc?: number;
    password?: string;
    omitAlgorithm?: boolean;
  },
): string {
  const { algorithm } = options;
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = hash(algorithm, `${USER}:${challenge.realm}:${options.password ?? PASS}`);
  const ha2 = hash(algorithm, `${options.method ?? 'GET'}:${options.uri}`);
  const response = hash(algorithm, `${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const named = options.omitAlgorithm ? '' : `, algorithm=${algorithm}`;
  return `Digest username="${USER}", realm="${challenge.realm}", nonce="${challenge.nonce}", uri="${options.uri}"${named}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

async function start(t: Parameters<typeof startTestDevice>[0]) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const challenge = async (path: string, algorithm: Algorithm) =>
    challengeFor(await fetch(`${running.url}${path}`), algorithm);
  const get = async (path: string, authorization: string) => {
    const response = await fetch(`${running.url}${path}`, { headers: { authorization } });
    return { status: response.status, body: (await response.json()) as Envelope, response };
  };
  return { ...running, challenge, get };
}

test('a refused request offers Digest with MD5 and with SHA-256, and Basic where enabled', async (t) => {
  const { url } = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const response = await fetch(`${url}/api/system/info`);
  assert.equal(response.status, 401);
  const challenges = challengesOf(response);
  assert.equal(challenges.length, 3, challenges.join(' | '));
  assert.match(challenges[0]!, /^Digest realm="HTTP API", qop="auth", algorithm=MD5, nonce="/);
  assert.match(challenges[1]!, /^Digest realm="HTTP API", qop="auth", algorithm=SHA-256, nonce="/);
  assert.match(challenges[2]!, /^Basic realm="HTTP API"/);
});

test('Digest with algorithm=SHA-256 authenticates an HTTP API account', async (t) => {
  const { challenge, get } = await start(t);
  const path = '/api/system/info';
  const reply = await get(
    path,
    answer(await challenge(path, 'SHA-256'), { algorithm: 'SHA-256', uri: path }),
  );
  assert.equal(reply.status, 200);
  assert.equal(reply.body.success, true);
});

test('Digest with MD5 still authenticates, with or without the algorithm parameter', async (t) => {
  const { challenge, get } = await start(t);
  const path = '/api/system/info';
  for (const omitAlgorithm of [false, true]) {
    const reply = await get(
      path,
      answer(await challenge(path, 'MD5'), { algorithm: 'MD5', uri: path, omitAlgorithm }),
    );
    assert.equal(reply.body.success, true, JSON.stringify(reply.body));
  }
});

test('the Digest uri may name the path with or without its query string', async (t) => {
  const { challenge, get } = await start(t);
  const target = '/api/switch/status?switch=1';
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    for (const uri of [target, '/api/switch/status']) {
      const reply = await get(
        target,
        answer(await challenge(target, algorithm), { algorithm, uri }),
      );
      assert.equal(reply.body.success, true, `${algorithm} ${uri}: ${JSON.stringify(reply.body)}`);
    }
  }
});

test('attack: a Digest uri naming another path or another query is refused with error 9', async (t) => {
  const { challenge, get, device } = await start(t);
  const target = '/api/switch/ctrl?switch=1&action=on';
  for (const uri of [
    '/api/system/info',
    '/api/switch/ctrl?switch=2&action=on',
    '/api/switch/ctrl/',
    '/api/switch',
    'http://127.0.0.1/api/switch/ctrl',
  ]) {
    const reply = await get(
      target,
      answer(await challenge(target, 'SHA-256'), { algorithm: 'SHA-256', uri }),
    );
    assert.equal(reply.status, 401, uri);
    assert.equal((reply.body as { error: { code: number } }).error.code, 9, uri);
  }
  assert.equal(device.switches.status(1)[0]!.active, false);
});

test('attack: a replayed SHA-256 request (same nonce count) is refused, a higher count is not', async (t) => {
  const { challenge, get } = await start(t);
  const path = '/api/system/info';
  const nonce = await challenge(path, 'SHA-256');
  const first = answer(nonce, { algorithm: 'SHA-256', uri: path, nc: 1 });
  assert.equal((await get(path, first)).body.success, true);
  const replay = await get(path, first);
  assert.equal(replay.status, 401);
  assert.equal(
    (await get(path, answer(nonce, { algorithm: 'SHA-256', uri: path, nc: 2 }))).body.success,
    true,
  );
});

test('attack: a wrong password or an unsupported algorithm is refused with error 9', async (t) => {
  const { challenge, get } = await start(t);
  const path = '/api/system/info';
  const wrong = await get(
    path,
    answer(await challenge(path, 'SHA-256'), {
      algorithm: 'SHA-256',
      uri: path,
      password: 'not-it',
    }),
  );
  assert.equal(wrong.status, 401);
  const sess = answer(await challenge(path, 'SHA-256'), {
    algorithm: 'SHA-256',
    uri: path,
  }).replace('algorithm=SHA-256', 'algorithm=SHA-512-256');
  const refused = await get(path, sess);
  assert.equal(refused.status, 401);
  assert.match(
    (refused.body as { error: { hint: string } }).error.hint,
    /SHA-512-256 is not supported/,
  );
});

test('an account saved before SHA-256 existed answers MD5 Digest and refuses SHA-256', async (t) => {
  const { challenge, get, device } = await start(t);
  await device.config.update('an account from an older config.xml', (draft) => {
    delete draft.httpApi.accounts[0]!.passwordHa1Sha256;
  });
  const path = '/api/system/info';
  const sha = await get(
    path,
    answer(await challenge(path, 'SHA-256'), { algorithm: 'SHA-256', uri: path }),
  );
  assert.equal(sha.status, 401);
  const md5 = await get(
    path,
    answer(await challenge(path, 'MD5'), { algorithm: 'MD5', uri: path }),
  );
  assert.equal(md5.body.success, true);
});

test('the SHA-256 hash is kept in the configuration but never answered by the admin API', async (t) => {
  const { device } = await start(t);
  const account = device.config.current.httpApi.accounts[0]!;
  assert.equal(account.passwordHa1, apiPasswordHa1(USER, PASS));
  assert.equal(account.passwordHa1Sha256, apiPasswordHa1Sha256(USER, PASS));
  assert.ok(!JSON.stringify(device.accounts.apiAccounts()).includes(account.passwordHa1Sha256!));
});

test('an expired nonce is answered stale=true on both challenges, for SHA-256 too', () => {
  let now = 1_000_000;
  const digest = new DigestAuthority(() => now, 1000);
  const [, sha] = digest.challenges();
  const challenge = Object.fromEntries(
    [...sha!.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1]!, m[2] ?? m[3]!]),
  );
  const header = answer(challenge, { algorithm: 'SHA-256', uri: '/api/system/info' });
  const ha1For = () => apiPasswordHa1Sha256(USER, PASS);
  assert.deepEqual(digest.verify(header, 'GET', '/api/system/info', ha1For), {
    ok: true,
    username: USER,
  });
  now += 2000;
  const again = answer(challenge, { algorithm: 'SHA-256', uri: '/api/system/info', nc: 2 });
  const late = digest.verify(again, 'GET', '/api/system/info', ha1For);
  assert.equal(late.ok, false);
  assert.equal((late as { stale: boolean }).stale, true);
  assert.ok(digest.challenges(true).every((c) => c.endsWith(', stale=true')));
});

test('Digest and Basic work where enabled and are refused where not', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const admin = await adminWithPassword(url);

  assert.equal(
    (
      (await (
        await digestFetch(`${url}/api/switch/caps`, VENDOR_USER, VENDOR_PASS)
      ).json()) as Envelope
    ).success,
    true,
  );
  assert.equal((await vendorCall(`${url}/api/switch/caps`)).body.success, true);

  await admin.request('PUT', '/admin/api/http-api/services/switch', { auth: 'digest' });
  const basicRefused = await vendorCall(`${url}/api/switch/caps`);
  assert.equal(basicRefused.status, 401);
  assert.equal(vendorError(basicRefused.body).code, 8);
  assert.equal(
    (
      (await (
        await digestFetch(`${url}/api/switch/caps`, VENDOR_USER, VENDOR_PASS)
      ).json()) as Envelope
    ).success,
    true,
  );
  const wrongPassword = await digestFetch(`${url}/api/switch/caps`, VENDOR_USER, 'not-it');
  assert.equal(wrongPassword.status, 401);

  await admin.request('PUT', '/admin/api/http-api/services/switch', { auth: 'basic' });
  const challenge = await fetch(`${url}/api/switch/caps`);
  assert.match(challenge.headers.get('www-authenticate') ?? '', /^Basic realm="HTTP API"$/);
  const digestRefused = await fetch(`${url}/api/switch/caps`, {
    headers: {
      authorization:
        'Digest username="integrator", realm="HTTP API", nonce="x", uri="/api/switch/caps", response="0"',
    },
  });
  assert.equal(vendorError((await digestRefused.json()) as Envelope).code, 8);
  assert.equal((await vendorCall(`${url}/api/switch/caps`)).body.success, true);

  await admin.request('PUT', '/admin/api/http-api/services/switch', { auth: 'none' });
  assert.equal(((await (await fetch(`${url}/api/switch/caps`)).json()) as Envelope).success, true);
});

test('a replayed Digest request (same nonce count) is refused', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const first = await fetch(`${url}/api/switch/status`);
  const challenge = digestChallenge(first);
  const header = (nc: number) =>
    digestHeader(challenge, {
      username: VENDOR_USER,
      password: VENDOR_PASS,
      method: 'GET',
      uri: '/api/switch/status',
      nc,
      cnonce: 'abc',
    });
  assert.equal(
    (await fetch(`${url}/api/switch/status`, { headers: { authorization: header(1) } })).status,
    200,
  );
  const replay = await fetch(`${url}/api/switch/status`, { headers: { authorization: header(1) } });
  assert.equal(replay.status, 401);
  assert.match(vendorError((await replay.json()) as Envelope).hint!, /replay/);
  assert.equal(
    (await fetch(`${url}/api/switch/status`, { headers: { authorization: header(2) } })).status,
    200,
  );
});

test('a device with factory settings accepts only HTTPS for the HTTP API', async (t) => {
  const { url } = await startTestDevice(t);
  const reply = (await (await fetch(`${url}/api/system/info`)).json()) as Envelope;
  const error = vendorError(reply);
  assert.equal(error.code, 7);
  assert.match(error.hint!, /HTTPS/);
});

test('over the HTTPS listener the factory HTTPS-only services answer, with the certificate a reset renews', async (t) => {
  const { url, httpsUrl, device } = await startTestDevice(t, { httpsPort: 0 });
  assert.ok(httpsUrl);
  const admin = await adminWithPassword(url);
  await admin.request('PUT', '/admin/api/http-api/accounts/1', {
    username: VENDOR_USER,
    password: VENDOR_PASS,
    privileges: ['system.control'],
  });
  const get = (path: string, authorization?: string) =>
    new Promise<{
      status: number;
      body: string;
      headers: IncomingHttpHeaders;
      cert: string;
    }>((resolve, reject) => {
      const request = httpsRequest(
        `${httpsUrl}${path}`,
        {
          rejectUnauthorized: false,
          agent: false,
          headers: authorization ? { authorization } : {},
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => {
            const socket = response.socket as TLSSocket;
            resolve({
              status: response.statusCode!,
              body,
              headers: response.headers,
              cert: socket.getPeerX509Certificate?.()?.fingerprint256 ?? '',
            });
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
  const challenge = await get('/api/system/status');
  assert.equal(challenge.status, 401);
  const authorization = digestHeader(String(challenge.headers['www-authenticate']), {
    username: VENDOR_USER,
    password: VENDOR_PASS,
    method: 'GET',
    uri: '/api/system/status',
  });
  const answered = await get('/api/system/status', authorization);
  assert.equal((JSON.parse(answered.body) as Envelope).success, true);
  assert.equal(
    new X509Certificate(device.config.current.certificate.certPem).fingerprint256,
    answered.cert,
  );

  await admin.request('POST', '/admin/api/factory-reset', { networkSettingsAndCertificates: true });
  const renewed = await get('/api/system/info');
  assert.equal(
    new X509Certificate(device.config.current.certificate.certPem).fingerprint256,
    renewed.cert,
  );
  assert.notEqual(renewed.cert, answered.cert);
});

test('the device keeps at most five HTTP API accounts', async (t) => {
  const { url } = await startTestDevice(t);
  const admin = await adminWithPassword(url);
  for (let id = 1; id <= 5; id++) {
    const saved = await admin.json('PUT', `/admin/api/http-api/accounts/${id}`, {
      username: `user${id}`,
      password: 'api-pass-1',
      privileges: [],
    });
    assert.equal(saved.status, 200);
    assert.ok(
      !JSON.stringify(saved.body).includes('passwordHa1'),
      'the password hash is never shown',
    );
  }
  const sixth = await admin.json<{ error: { message: string } }>(
    'PUT',
    '/admin/api/http-api/accounts/6',
    { username: 'user6', password: 'api-pass-1' },
  );
  assert.equal(sixth.status, 413);
  assert.match(sixth.body.error.message, /room for 5 HTTP API accounts/);
});
