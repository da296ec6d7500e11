import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { newSiteBackupKeys, openFromDevice, sealForDevice } from '../../src/core/backup-seal.ts';
import { configToXml } from '../../src/device/config.xml.ts';
import { backupRestore, backupUpload } from '../../src/device/link/backup.commands.ts';
import { startTestDevice } from './helpers.ts';

/** A real HTTP server standing in for the cloud's single-use URL; it keeps what it was sent. */
async function fakeTransfer(
  t: TestContext,
  answer: (request: IncomingMessage, response: ServerResponse, body: Buffer) => void,
) {
  const received: Buffer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push(body);
      answer(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/link/backups/token`, received };
}

describe('the backup-upload command', () => {
  it("sends the configuration sealed to the site key: only that key opens it, and it holds the device's XML", async (t) => {
    const { device } = await startTestDevice(t);
    const site = newSiteBackupKeys();
    const other = newSiteBackupKeys();
    const cloud = await fakeTransfer(t, (_request, response) => response.writeHead(204).end());
    const reply = await backupUpload(device, 'c1', {
      backupId: 'b1',
      url: cloud.url,
      sitePublicKey: site.publicKey,
    });
    assert.equal(reply.ok, true, reply.error);
    const [sent] = cloud.received;
    assert.deepEqual(reply.result, { backupId: 'b1', bytes: sent!.length });
    const opened = openFromDevice(sent!, site.privateKey);
    assert.ok(opened.ok);
    assert.equal(opened.value.toString('utf8'), configToXml(device.config.current));
    assert.equal(openFromDevice(sent!, other.privateKey).ok, false);
  });

  it('answers the refusal when the cloud refuses the upload', async (t) => {
    const { device } = await startTestDevice(t);
    const cloud = await fakeTransfer(t, (_request, response) => response.writeHead(404).end());
    const reply = await backupUpload(device, 'c1', {
      backupId: 'b1',
      url: cloud.url,
      sitePublicKey: newSiteBackupKeys().publicKey,
    });
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /HTTP 404/);
  });

  it('refuses a URL that is not http(s) and a key that is not a site key, sending nothing', async (t) => {
    const { device } = await startTestDevice(t);
    const cloud = await fakeTransfer(t, (_request, response) => response.writeHead(204).end());
    const file = await backupUpload(device, 'c1', {
      backupId: 'b1',
      url: 'file:///etc/passwd',
      sitePublicKey: newSiteBackupKeys().publicKey,
    });
    assert.equal(file.ok, false);
    const key = await backupUpload(device, 'c2', {
      backupId: 'b1',
      url: cloud.url,
      sitePublicKey: randomBytes(44).toString('base64'),
    });
    assert.equal(key.ok, false);
    assert.equal(cloud.received.length, 0);
  });
});

describe('the backup-restore command', () => {
  it('restores a backup sealed for this device', async (t) => {
    const { device } = await startTestDevice(t);
    const before = configToXml(device.config.current);
    await device.switches.configure(2, { enabled: false });
    const secret = device.identity.secret;
    const sealed = sealForDevice(Buffer.from(before), secret, device.identity.serialNumber);
    const cloud = await fakeTransfer(t, (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(sealed),
    );
    const restored = new Promise((resolve) => device.events.once('config-restored', resolve));
    const reply = await backupRestore(device, 'c1', { url: cloud.url });
    assert.equal(reply.ok, true, reply.error);
    await restored;
    assert.equal(configToXml(device.config.current), before);
  });

  it('refuses a backup sealed for another device, or changed on the way, and changes nothing', async (t) => {
    const { device } = await startTestDevice(t);
    const other = await startTestDevice(t);
    await device.switches.configure(2, { enabled: false });
    const current = configToXml(device.config.current);
    const forOther = sealForDevice(
      Buffer.from(configToXml(other.device.config.current)),
      other.device.identity.secret,
      other.device.identity.serialNumber,
    );
    const tampered = sealForDevice(
      Buffer.from(current),
      device.identity.secret,
      device.identity.serialNumber,
    );
    tampered[tampered.length - 1]! ^= 1;
    for (const bytes of [forOther, tampered, randomBytes(200)]) {
      const cloud = await fakeTransfer(t, (_request, response) =>
        response.writeHead(200).end(bytes),
      );
      const reply = await backupRestore(device, 'c1', { url: cloud.url });
      assert.equal(reply.ok, false);
      assert.match(reply.error!, /nothing was changed/);
      assert.equal(configToXml(device.config.current), current);
    }
  });

  it('refuses a download larger than any backup without reading it all', async (t) => {
    const { device } = await startTestDevice(t);
    const current = configToXml(device.config.current);
    const cloud = await fakeTransfer(t, (_request, response) =>
      response.writeHead(200).end(Buffer.alloc(3 * 1024 * 1024)),
    );
    const reply = await backupRestore(device, 'c1', { url: cloud.url });
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /at most/);
    assert.equal(configToXml(device.config.current), current);
  });
});
