import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceStartError, parseIdentity } from '../../src/device/identity.store.ts';

const good = {
  serialNumber: '54-0562-0293',
  model: '2N IP Verso',
  macAddress: '7C:1E:B3:01:02:03',
  secret: 'ab'.repeat(32),
};

test('a valid identity file is read with its secret as bytes', () => {
  const identity = parseIdentity(JSON.stringify(good));
  assert.equal(identity.serialNumber, '54-0562-0293');
  assert.equal(identity.secret.length, 32);
});

test('a malformed identity file is refused with what is wrong and what to do', () => {
  assert.throws(
    () => parseIdentity('{not json'),
    (e: Error) => e instanceof DeviceStartError && /not valid JSON/.test(e.message),
  );
  assert.throws(
    () => parseIdentity(JSON.stringify({ ...good, secret: 'abc' })),
    /secret: 64 hex digits.*latchkey mint/,
  );
  assert.throws(
    () => parseIdentity(JSON.stringify({ ...good, serialNumber: '54-0562' })),
    /bad serialNumber: A serial number has 10 digits/,
  );
});
