import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiPasswordHa1 } from '../../src/device/accounts.service.ts';
import { DigestAuthority } from '../../src/device/api/auth.digest.ts';
import { digestHeader } from '../device/helpers.ts';

function setup() {
  let now = 1_700_000_000_000;
  const authority = new DigestAuthority(() => now, 5 * 60 * 1000);
  const ha1 = (name: string) => (name === 'alice' ? apiPasswordHa1('alice', 'pw') : undefined);
  const answer = (challenge: string, nc = 1, password = 'pw', uri = '/api/switch/status') =>
    digestHeader(challenge, { username: 'alice', password, method: 'GET', uri, nc });
  return { authority, ha1, answer, advance: (ms: number) => (now += ms) };
}

test('a correct Digest answer is accepted once per nonce count', () => {
  const { authority, ha1, answer } = setup();
  const challenge = authority.challenge();
  assert.deepEqual(authority.verify(answer(challenge, 1), 'GET', '/api/switch/status', ha1), {
    ok: true,
    username: 'alice',
  });
  assert.equal(authority.verify(answer(challenge, 1), 'GET', '/api/switch/status', ha1).ok, false);
  assert.equal(authority.verify(answer(challenge, 2), 'GET', '/api/switch/status', ha1).ok, true);
});

test('an expired nonce is answered as stale, a forged one is refused', () => {
  const { authority, ha1, answer, advance } = setup();
  const challenge = authority.challenge();
  advance(5 * 60 * 1000 + 1);
  assert.deepEqual(authority.verify(answer(challenge), 'GET', '/api/switch/status', ha1), {
    ok: false,
    stale: true,
    reason: 'the nonce expired',
  });
  assert.match(authority.challenge(true), /stale=true/);
  const forged = challenge.replace(
    /nonce="[^"]+"/,
    `nonce="${Buffer.alloc(32, 7).toString('base64url')}"`,
  );
  assert.equal(authority.verify(answer(forged), 'GET', '/api/switch/status', ha1).ok, false);
});

test('Digest refuses a wrong password, another URI, an unknown user and other algorithms', () => {
  const { authority, ha1, answer } = setup();
  const challenge = authority.challenge();
  assert.equal(
    authority.verify(answer(challenge, 1, 'nope'), 'GET', '/api/switch/status', ha1).ok,
    false,
  );
  assert.equal(
    authority.verify(answer(challenge, 2), 'GET', '/api/switch/ctrl?switch=1&action=on', ha1).ok,
    false,
  );
  assert.equal(
    authority.verify(answer(challenge, 3).replace('alice', 'bob'), 'GET', '/api/switch/status', ha1)
      .ok,
    false,
  );
  assert.equal(
    authority.verify(
      answer(challenge, 4).replace('MD5', 'SHA-256'),
      'GET',
      '/api/switch/status',
      ha1,
    ).ok,
    false,
  );
});
