import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  codeFor,
  createSite,
  mintDevices,
  nextCode,
  registerAccount,
} from '../helpers/factories.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';

/** Every way a secret could appear: raw bytes, hex in both cases, base64 and base64url. */
function secretForms(secret: Buffer): (string | Buffer)[] {
  const hex = secret.toString('hex');
  return [secret, hex, hex.toUpperCase(), secret.toString('base64'), secret.toString('base64url')];
}

/** Every way a code could appear: as shown, without dashes, in lower case. */
function codeForms(code: string): string[] {
  const compact = code.replace(/-/g, '');
  return [code, compact, code.toLowerCase(), compact.toLowerCase()];
}

function assertAbsent(haystack: string | Buffer, needles: (string | Buffer)[], where: string) {
  const buffer = typeof haystack === 'string' ? Buffer.from(haystack) : haystack;
  for (const needle of needles) {
    assert.equal(buffer.includes(needle), false, `${where} holds ${needle.toString()}`);
  }
}

/** The SQLite database and its write-ahead log, as bytes on disk. */
function sqliteFiles(cloud: TestCloud): Buffer[] {
  const file = join(cloud.database.dataDir, 'latchkey.db');
  return [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
}

/** A few claims that touch every kind of code: right, newer, replaced, invalid, malformed. */
async function exercise(cloud: TestCloud, devices: MintedDevice[]) {
  const [first, second, third] = devices as [MintedDevice, MintedDevice, MintedDevice];
  const anna = await registerAccount(cloud);
  const site = await createSite(anna.client);
  const ben = await registerAccount(cloud);
  const benSite = await createSite(ben.client);
  assert.equal(
    (await claim(anna.client, site.id, first.serialNumber, first.securityCode)).status,
    201,
  );
  assert.equal(
    (await claim(ben.client, benSite.id, first.serialNumber, first.securityCode)).status,
    409,
  );
  assert.equal(
    (await claim(ben.client, benSite.id, first.serialNumber, nextCode(first, 0))).status,
    201,
  );
  assert.equal(
    (await claim(anna.client, site.id, first.serialNumber, first.securityCode)).status,
    422,
  );
  assert.equal(
    (await claim(anna.client, site.id, second.serialNumber, third.securityCode)).status,
    422,
  );
  assert.equal(
    (await claim(anna.client, site.id, second.serialNumber, codeFor(second, 40))).status,
    422,
  );
  // A malformed code that is a real code plus one symbol, and a body that is not JSON.
  assert.equal(
    (await claim(anna.client, site.id, third.serialNumber, `${third.securityCode}X`)).status,
    400,
  );
  const broken = await anna.client.request('POST', `/api/sites/${site.id}/devices`, {
    body: `{"serialNumber":"${third.serialNumber}","securityCode":"${third.securityCode}"`,
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(broken.status, 400);
  const unknownKey = await anna.client.post(`/api/sites/${site.id}/devices`, {
    serialNumber: third.serialNumber,
    securityCode: codeFor(third, 1),
    [codeFor(third, 2)]: true,
  });
  assert.equal(unknownKey.status, 400);
  assert.equal(
    (await claim(anna.client, site.id, third.serialNumber, codeFor(third, 3))).status,
    201,
  );
  return [
    ...devices.map((d) => d.securityCode),
    nextCode(first, 0),
    codeFor(second, 40),
    codeFor(third, 1),
    codeFor(third, 3),
  ];
}

for (const dialect of testDialects) {
  describe(`secrets and codes at rest and in logs (${dialect.name})`, () => {
    it('stores device secrets only encrypted', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const devices = await mintDevices(cloud, 3);
      const rows = await cloud.store.db.selectFrom('devices').selectAll().execute();
      assert.equal(rows.length, 3);
      for (const device of devices) {
        const row = rows.find((r) => r.serial_number === device.serialNumber)!;
        assert.match(row.secret_enc, /^v1:[A-Za-z0-9+/=]+$/);
        assertAbsent(row.secret_enc, secretForms(device.secret), 'devices.secret_enc');
        const sealed = Buffer.from(row.secret_enc.slice(3), 'base64');
        assert.equal(sealed.length, 12 + 16 + 32, 'IV, tag and the 32-byte ciphertext');
        assertAbsent(sealed, [device.secret], 'the sealed secret');
      }
      // Two devices never share a ciphertext (random IVs).
      assert.equal(new Set(rows.map((r) => r.secret_enc)).size, 3);

      const everything = JSON.stringify(await snapshotTables(cloud));
      for (const device of devices) assertAbsent(everything, secretForms(device.secret), 'a table');
      if (cloud.dialect === 'sqlite') {
        const files = sqliteFiles(cloud);
        assert.ok(files.length > 0);
        for (const file of files) {
          for (const device of devices) {
            assertAbsent(file, secretForms(device.secret), 'the SQLite file');
          }
        }
      }
      // The master key that seals them is the server's alone.
      const keyFile = join(cloud.database.dataDir, 'master.key');
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    });

    it('stores no security code in the database', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const devices = await mintDevices(cloud, 3);
      const codes = await exercise(cloud, devices);
      const everything = JSON.stringify(await snapshotTables(cloud));
      assertAbsent(everything, codes.flatMap(codeForms), 'a table');
      if (cloud.dialect === 'sqlite') {
        for (const file of sqliteFiles(cloud)) {
          assertAbsent(file, codes.flatMap(codeForms), 'the SQLite file');
        }
      }
    });

    it('writes no security code or secret to the server log, even at trace level', async (t) => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const cloud = await startTestCloud(t, dialect, { logger: { level: 'trace', stream } });
      const devices = await mintDevices(cloud, 3);
      const codes = await exercise(cloud, devices);
      const log = lines.join('');
      // The logger is really on: requests and the refused JSON body were logged.
      assert.match(log, /incoming request/);
      assert.match(log, /request completed/);
      assert.ok(lines.length > 20, `only ${lines.length} log lines`);
      assertAbsent(log, codes.flatMap(codeForms), 'the server log');
      for (const device of devices) assertAbsent(log, secretForms(device.secret), 'the server log');
    });
  });
}
