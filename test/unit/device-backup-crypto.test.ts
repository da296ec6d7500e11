import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encryptBackup, readBackup } from '../../src/device/backup.crypto.ts';

const XML =
  '<?xml version="1.0"?><DeviceDatabase Version="4" Model="2N IP Verso"></DeviceDatabase>';
const cheap = { log2N: 10, r: 8, p: 1 };

test('an encrypted backup opens with its password and hides the configuration', () => {
  const file = encryptBackup(XML, 'pässword', cheap);
  assert.ok(!file.includes(Buffer.from('DeviceDatabase')));
  assert.deepEqual(readBackup(file, 'pässword'), { ok: true, xml: XML, encrypted: true });
});

test('a restore tells wrong password, missing password, corruption, truncation and foreign files apart', () => {
  const file = encryptBackup(XML, 'secret', cheap);
  const problem = (f: Buffer, pw?: string) => {
    const result = readBackup(f, pw);
    return result.ok ? 'ok' : result.problem;
  };
  assert.equal(problem(file, 'wrong'), 'wrong-password');
  assert.equal(problem(file), 'password-required');
  const flipped = Buffer.from(file);
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
  assert.equal(problem(flipped, 'secret'), 'corrupted');
  const header = Buffer.from(file);
  header[30] = header[30]! ^ 1; // the iv is authenticated
  assert.equal(problem(header, 'secret'), 'corrupted');
  assert.equal(problem(file.subarray(0, 60), 'secret'), 'corrupted');
  assert.equal(problem(file.subarray(0, file.length - 3), 'secret'), 'corrupted');
  const version = Buffer.from(file);
  version[4] = 9;
  assert.equal(problem(version, 'secret'), 'unsupported-version');
  assert.equal(problem(Buffer.from('PK\x03\x04 zip file'), 'secret'), 'not-a-backup');
  assert.equal(problem(Buffer.from(XML)), 'ok');
});
