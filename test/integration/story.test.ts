import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestCloud, TestClock, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  codeFor,
  createSite,
  nextCode,
  registerAccount,
  type DeviceIdentity,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

interface MintedByCli {
  serialNumber: string;
  securityCode: string;
  model: string;
  identityFile: string;
}

/** `latchkey mint --count N --json` against the cloud's own data folder and database. */
async function mintWithCli(cloud: TestCloud, count: number, out: string): Promise<MintedByCli[]> {
  const args = [CLI, 'mint', '--count', String(count), '--out', out];
  args.push('--data', cloud.database.dataDir, '--json');
  if (cloud.database.databaseUrl) args.push('--database', cloud.database.databaseUrl);
  const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
  return JSON.parse(stdout) as MintedByCli[];
}

/** What the device keeps in identity.json: the serial and the secret (64 hex digits). */
function readIdentity(file: string): DeviceIdentity {
  const identity = JSON.parse(readFileSync(file, 'utf8')) as {
    serialNumber: string;
    secret: string;
  };
  assert.match(identity.secret, /^[0-9a-f]{64}$/);
  return { serialNumber: identity.serialNumber, secret: Buffer.from(identity.secret, 'hex') };
}

/** A serial number one digit off the given one that was never minted (a typo). */
function typoOf(serial: string, minted: string[]): string {
  for (let i = serial.length - 1; i >= 0; i--) {
    if (!/\d/.test(serial[i]!)) continue;
    const digit = (Number(serial[i]) + 1) % 10;
    const typo = serial.slice(0, i) + String(digit) + serial.slice(i + 1);
    if (!minted.includes(typo)) return typo;
  }
  throw new Error('no typo found');
}

for (const dialect of testDialects) {
  describe(`the article's story over HTTP (${dialect.name})`, () => {
    it('adds, refuses, deletes, re-adds and finally moves a device after Generate New', async (t) => {
      // Every event one millisecond after the previous one: the audit order is the story's order.
      const cloud = await startTestCloud(t, dialect, { clock: new TestClock(Date.now(), 1) });
      const out = mkdtempSync(join(tmpdir(), 'latchkey-mint-'));
      t.after(() => rmSync(out, { recursive: true, force: true }));

      // Manufacturing: two devices, each with identity file and certificate of ownership.
      const minted = await mintWithCli(cloud, 2, out);
      assert.equal(minted.length, 2);
      const [first, second] = minted as [MintedByCli, MintedByCli];
      assert.ok(existsSync(join(out, first.serialNumber, 'certificate.pdf')));
      const identity = readIdentity(first.identityFile);
      assert.equal(identity.serialNumber, first.serialNumber);
      // The certificate carries code(0), which the identity's secret reproduces.
      assert.equal(first.securityCode, codeFor(identity, 0));

      const anna = await registerAccount(cloud, { name: 'Anna' });
      const annaSite = await createSite(anna.client, "Anna's house");
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client, "Ben's office");

      // Account A adds the first device with the code from the certificate.
      const added = await claim(anna.client, annaSite.id, first.serialNumber, first.securityCode);
      assert.equal(added.status, 201, added.text);
      assert.equal(added.body.outcome, 'added');
      assert.equal(added.body.device.serialNumber, first.serialNumber);

      // Account B tries the same device and code: already added elsewhere.
      const refused = await claim(ben.client, benSite.id, first.serialNumber, first.securityCode);
      assertErrorBody(refused, 409, 'DEVICE_ALREADY_ADDED');
      assert.equal(refused.body.error.message, 'The device is already added');
      const hints = refused.body.error.hints.join(' ');
      assert.match(hints, /delete it from the old account/);
      assert.match(hints, /previous owner/);
      assert.match(hints, /Generate New/);

      // A typo in the serial number.
      const typo = typoOf(first.serialNumber, [first.serialNumber, second.serialNumber]);
      const notFound = await claim(ben.client, benSite.id, typo, first.securityCode);
      assertErrorBody(notFound, 404, 'SERIAL_NOT_FOUND');
      assert.equal(notFound.body.error.message, 'The Serial Number does not exist');
      assert.match(notFound.body.error.hints.join(' '), /back of most units/);
      assert.match(notFound.body.error.hints.join(' '), /CERTIFICATE OF OWNERSHIP/);

      // A deletes it from the old account; B can add it now.
      const deleted = await anna.client.delete(
        `/api/sites/${annaSite.id}/devices/${first.serialNumber}`,
      );
      assert.equal(deleted.status, 204, deleted.text);
      assert.deepEqual((await anna.client.get(`/api/sites/${annaSite.id}/devices`)).body.items, []);
      const benAdds = await claim(ben.client, benSite.id, first.serialNumber, first.securityCode);
      assert.equal(benAdds.status, 201, benAdds.text);
      assert.equal(benAdds.body.outcome, 'added');

      // On the device: System → Auto Provisioning → Generate New (generation 0 → 1).
      const newCode = nextCode(identity, 0);
      assert.notEqual(newCode, first.securityCode);

      // A takes it back without B: a move.
      const moved = await claim(anna.client, annaSite.id, first.serialNumber, newCode);
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.body.outcome, 'moved');
      const annaDevices = await anna.client.get(`/api/sites/${annaSite.id}/devices`);
      assert.deepEqual(
        annaDevices.body.items.map((d: { serialNumber: string }) => d.serialNumber),
        [first.serialNumber],
      );
      assert.deepEqual((await ben.client.get(`/api/sites/${benSite.id}/devices`)).body.items, []);

      // B is notified.
      const notifications = await ben.client.get('/api/notifications');
      assert.equal(notifications.status, 200);
      assert.equal(notifications.body.unreadCount, 1);
      assert.equal(notifications.body.items.length, 1);
      const [notice] = notifications.body.items;
      assert.equal(notice.kind, 'device-moved-away');
      assert.equal(notice.serialNumber, first.serialNumber);
      assert.equal(notice.siteId, benSite.id);
      assert.match(notice.body, /new security code was generated/);
      assert.equal((await anna.client.get('/api/notifications')).body.unreadCount, 0);

      // Both audits say so.
      const annaAudit = (await anna.client.get(`/api/sites/${annaSite.id}/audit`)).body.items;
      assert.deepEqual(
        annaAudit.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`),
        ['device.moved-in:success', 'device.deleted:success', 'device.added:success'],
      );
      assert.equal(annaAudit[0].serialNumber, first.serialNumber);
      assert.equal(annaAudit[0].actor, anna.email);
      assert.equal(annaAudit[0].detail.fromAnotherAccount, true);
      const benAudit = (await ben.client.get(`/api/sites/${benSite.id}/audit`)).body.items;
      assert.deepEqual(
        benAudit.map(
          (e: { action: string; errorCode: string | null }) => `${e.action}:${e.errorCode ?? 'ok'}`,
        ),
        [
          'device.moved-away:ok',
          'device.added:ok',
          'device.claim:SERIAL_NOT_FOUND',
          'device.claim:DEVICE_ALREADY_ADDED',
        ],
      );
      assert.equal(benAudit[0].serialNumber, first.serialNumber);
      assert.equal(benAudit[0].actor, null, "B's audit does not name A, another company");

      // The certificate's code is no longer valid, for anyone.
      const replaced = await claim(ben.client, benSite.id, first.serialNumber, first.securityCode);
      assertErrorBody(replaced, 422, 'SECURITY_CODE_REPLACED');
      assert.equal(
        replaced.body.error.message,
        'This security code was replaced by a newer one generated on the device',
      );
      const replacedForA = await claim(
        anna.client,
        annaSite.id,
        first.serialNumber,
        first.securityCode,
      );
      assertErrorBody(replacedForA, 422, 'SECURITY_CODE_REPLACED');

      // Reading the notification clears the unread count.
      const read = await ben.client.post('/api/notifications/read', {});
      assert.equal(read.status, 204, read.text);
      assert.equal((await ben.client.get('/api/notifications')).body.unreadCount, 0);

      // The second device was never touched and is still free.
      const other = await claim(ben.client, benSite.id, second.serialNumber, second.securityCode);
      assert.equal(other.status, 201, other.text);
      assert.equal(other.body.outcome, 'added');
    });
  });
}
