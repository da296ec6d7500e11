import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { vendorCall, vendorError, VENDOR_USER, VENDOR_PASS } from './vendor.helpers.ts';
import { makeFirmwareImage } from '../../../src/core/firmware.format.ts';
import { basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.2 api/firmware: upload, then apply or reject by fileId.

const USER = 'integrator';
const PASS = 'api-pass-1';
const auth = { authorization: basic(USER, PASS) };
const NEWER = makeFirmwareImage({ model: '2N IP Verso', version: '2.41.0.12' });
const OLDER = makeFirmwareImage({ model: '2N IP Verso', version: '2.39.1.3' });

type Uploaded = {
  fileId: string;
  version: string;
  downgrade: boolean;
  note: string;
};

async function call<T = Record<string, unknown>>(url: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { ...auth, ...(init.headers as Record<string, string>) },
  });
  return (await response.json()) as Envelope<T>;
}

function errorOf(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}

function uploadMultipart(url: string, image: Buffer) {
  const form = new FormData();
  form.append('blob-fw', new Blob([image]), 'fw.bin');
  return call<Uploaded>(`${url}/api/firmware`, { method: 'PUT', body: form });
}

async function start(t: Parameters<typeof startTestDevice>[0]) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const swVersion = async () =>
    (
      (await call<{ swVersion: string }>(`${running.url}/api/system/info`)) as {
        result: { swVersion: string };
      }
    ).result.swVersion;
  return { ...running, swVersion };
}

const pendingFiles = async (dataDir: string) =>
  (await readdir(join(dataDir, 'tmp'))).filter((name) => name.includes('firmware'));

test('PUT /api/firmware with blob-fw answers fileId, version, downgrade and note', async (t) => {
  const { url } = await start(t);
  const body = await uploadMultipart(url, NEWER);
  assert.ok(body.success, JSON.stringify(body));
  const uploaded = body.result!;
  assert.match(uploaded.fileId, /^[0-9a-f]{8}$/);
  assert.deepEqual(
    { ...uploaded, fileId: 'x' },
    { fileId: 'x', version: '2.41.0.12', downgrade: false, note: '' },
  );
});

test('a raw application/octet-stream body is accepted as the firmware image', async (t) => {
  const { url } = await start(t);
  const body = await call<Uploaded>(`${url}/api/firmware`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: OLDER,
  });
  assert.ok(body.success, JSON.stringify(body));
  assert.equal(body.result!.version, '2.39.1.3');
  assert.equal(body.result!.downgrade, true);
  assert.match(body.result!.note, /downgrade/);
});

test('GET /api/firmware/apply?fileid=… installs the image and restarts the device', async (t) => {
  const { url, device, swVersion, dataDir } = await start(t);
  const restarted: string[] = [];
  device.events.on('restarted', (e) => restarted.push(e.firmwareVersion));
  const { fileId } = ((await uploadMultipart(url, NEWER)) as { result: Uploaded }).result;
  assert.deepEqual(await call(`${url}/api/firmware/apply?fileid=${fileId}`), { success: true });
  assert.equal(await swVersion(), '2.41.0.12');
  assert.deepEqual(restarted, ['2.41.0.12']);
  assert.deepEqual(await pendingFiles(dataDir), []);
  // The image is gone once installed: the same id no longer names anything.
  assert.equal(errorOf(await call(`${url}/api/firmware/apply?fileid=${fileId}`)).code, 14);
});

test('POST /api/firmware/apply with fileId in the form body installs the image', async (t) => {
  const { url, swVersion } = await start(t);
  const { fileId } = ((await uploadMultipart(url, NEWER)) as { result: Uploaded }).result;
  const body = await call(`${url}/api/firmware/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `fileId=${fileId}`,
  });
  assert.deepEqual(body, { success: true });
  assert.equal(await swVersion(), '2.41.0.12');
});

test('firmware/reject?fileid=… discards the image and keeps the installed firmware', async (t) => {
  const { url, swVersion, dataDir } = await start(t);
  const { fileId } = ((await uploadMultipart(url, NEWER)) as { result: Uploaded }).result;
  assert.equal((await pendingFiles(dataDir)).length, 1);
  assert.deepEqual(await call(`${url}/api/firmware/reject?fileid=${fileId}`), { success: true });
  assert.deepEqual(await pendingFiles(dataDir), []);
  assert.equal(await swVersion(), '2.40.0.45');
  assert.equal(errorOf(await call(`${url}/api/firmware/apply?fileid=${fileId}`)).code, 14);
});

test('an image not applied in time is discarded; apply then answers error 14', async (t) => {
  const { url, device, swVersion, dataDir } = await start(t);
  device.maintenance.pendingFirmwareTtlMs = 100;
  const { fileId } = ((await uploadMultipart(url, NEWER)) as { result: Uploaded }).result;
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.deepEqual(await pendingFiles(dataDir), []);
  const error = errorOf(await call(`${url}/api/firmware/apply?fileid=${fileId}`));
  assert.equal(error.code, 14);
  assert.equal(error.param, 'fileid');
  assert.equal(await swVersion(), '2.40.0.45');
});

test('a second upload replaces the first: the first fileId no longer applies', async (t) => {
  const { url, swVersion } = await start(t);
  const first = ((await uploadMultipart(url, NEWER)) as { result: Uploaded }).result.fileId;
  const second = ((await uploadMultipart(url, OLDER)) as { result: Uploaded }).result.fileId;
  assert.notEqual(first, second);
  assert.equal(errorOf(await call(`${url}/api/firmware/apply?fileid=${first}`)).code, 14);
  assert.deepEqual(await call(`${url}/api/firmware/apply?fileid=${second}`), { success: true });
  assert.equal(await swVersion(), '2.39.1.3');
});

test('attack: a malformed, unknown or missing fileid is refused with its param; nothing is installed', async (t) => {
  const { url, swVersion } = await start(t);
  await uploadMultipart(url, NEWER);
  const malformed = errorOf(await call(`${url}/api/firmware/apply?fileid=zz..%2F..`));
  assert.deepEqual([malformed.code, malformed.param], [12, 'fileid']);
  const unknown = errorOf(await call(`${url}/api/firmware/apply?fileId=00000000`));
  assert.deepEqual([unknown.code, unknown.param], [14, 'fileId']);
  const missing = errorOf(await call(`${url}/api/firmware/apply`));
  assert.deepEqual([missing.code, missing.param], [11, 'fileid']);
  const rejectUnknown = errorOf(await call(`${url}/api/firmware/reject?fileid=12345678`));
  assert.deepEqual([rejectUnknown.code, rejectUnknown.param], [14, 'fileid']);
  assert.equal(await swVersion(), '2.40.0.45');
});

test('attack: an image for another model or the installed version is refused with param blob-fw', async (t) => {
  const { url, dataDir } = await start(t);
  for (const image of [
    Buffer.from('not a firmware image'),
    makeFirmwareImage({ model: '2N IP Force', version: '2.41.0.1' }),
    makeFirmwareImage({ model: '2N IP Verso', version: '2.40.0.45' }),
  ]) {
    const error = errorOf(await uploadMultipart(url, image));
    assert.deepEqual([error.code, error.param], [12, 'blob-fw']);
  }
  const none = errorOf(await call(`${url}/api/firmware`, { method: 'PUT' }));
  assert.deepEqual([none.code, none.param], [11, 'blob-fw']);
  assert.deepEqual(await pendingFiles(dataDir), []);
});

test('firmware upload checks model and version, apply switches swVersion and restarts', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const restarted: string[] = [];
  device.events.on('restarted', (e) => restarted.push(e.firmwareVersion));
  const upload = (image: Buffer) => {
    const form = new FormData();
    form.append('blob-fw', new Blob([image]), 'fw.bin');
    return vendorCall<{ fileId: string; version: string; downgrade: boolean; note: string }>(
      `${url}/api/firmware`,
      {
        method: 'PUT',
        body: form,
      },
    );
  };
  assert.equal(vendorError((await upload(Buffer.from('random bytes'))).body).code, 12);
  const foreign = vendorError(
    (await upload(makeFirmwareImage({ model: '2N IP Force', version: '2.41.0.1' }))).body,
  );
  assert.equal(foreign.code, 12);
  assert.match(foreign.hint!, /for a 2N IP Force/);
  assert.equal(
    vendorError(
      (await vendorCall(`${url}/api/firmware/apply?fileid=00000000`, { method: 'PUT' })).body,
    ).code,
    14,
  );

  const accepted = await upload(makeFirmwareImage({ model: '2N IP Verso', version: '2.41.0.12' }));
  assert.ok(accepted.body.success);
  const { fileId } = accepted.body.result!;
  assert.deepEqual(accepted.body.result, {
    fileId,
    version: '2.41.0.12',
    downgrade: false,
    note: '',
  });
  assert.deepEqual(
    (await vendorCall(`${url}/api/firmware/apply?fileid=${fileId}`, { method: 'PUT' })).body,
    { success: true },
  );
  const info = await vendorCall<{ swVersion: string }>(`${url}/api/system/info`);
  assert.ok(info.body.success);
  assert.equal(info.body.result!.swVersion, '2.41.0.12');
  assert.deepEqual(restarted, ['2.41.0.12']);

  const older = await upload(makeFirmwareImage({ model: '2N IP Verso', version: '2.40.0.1' }));
  assert.ok(older.body.success);
  assert.equal(older.body.result!.downgrade, true);
  assert.deepEqual(
    (
      await vendorCall(`${url}/api/firmware/reject?fileid=${older.body.result!.fileId}`, {
        method: 'PUT',
      })
    ).body,
    { success: true },
  );
});
