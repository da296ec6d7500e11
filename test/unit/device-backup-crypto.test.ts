import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encryptBackup, readBackup } from '../../src/device/backup.crypto.ts';

const XML =
  '<?xml version="1.0"?><DeviceDatabase Version="4" Model="2N IP Verso"></DeviceDatabase>';
const cheap = { log2N: 10, r: 8, p: 1 };

test('an encrypted backup opens with its password and hides the configuration', async () => {
  const file = await encryptBackup(XML, 'pässword', cheap);
  assert.ok(!file.includes(Buffer.from('DeviceDatabase')));
  assert.deepEqual(await readBackup(file, 'pässword', cheap), {
    ok: true,
    xml: XML,
    encrypted: true,
  });
});

test('a restore tells wrong password, missing password, corruption, truncation and foreign files apart', async () => {
  const file = await encryptBackup(XML, 'secret', cheap);
  const problem = async (f: Buffer, pw?: string) => {
    const result = await readBackup(f, pw, cheap);
    return result.ok ? 'ok' : result.problem;
  };
  assert.equal(await problem(file, 'wrong'), 'wrong-password');
  assert.equal(await problem(file), 'password-required');
  const flipped = Buffer.from(file);
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
  assert.equal(await problem(flipped, 'secret'), 'corrupted');
  const header = Buffer.from(file);
  header[30] = header[30]! ^ 1; // the iv is authenticated
  assert.equal(await problem(header, 'secret'), 'corrupted');
  assert.equal(await problem(file.subarray(0, 60), 'secret'), 'corrupted');
  assert.equal(await problem(file.subarray(0, file.length - 3), 'secret'), 'corrupted');
  const version = Buffer.from(file);
  version[4] = 9;
  assert.equal(await problem(version, 'secret'), 'unsupported-version');
  assert.equal(await problem(Buffer.from('PK\x03\x04 zip file'), 'secret'), 'not-a-backup');
  assert.equal(await problem(Buffer.from(XML)), 'ok');
});
