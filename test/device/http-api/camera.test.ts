import assert from 'node:assert/strict';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import { basic, startTestDevice } from '../helpers.ts';
import { apiDevice, PASS, USER } from './api-dir.helpers.ts';
import {
  vendorCall,
  vendorError,
  VENDOR_AUTH,
  VENDOR_USER,
  VENDOR_PASS,
} from './vendor.helpers.ts';

// 2N HTTP API §5.8 api/camera, as integrations call it.

test('camera/snapshot returns a real JPEG of the requested size', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const response = await fetch(`${url}/api/camera/snapshot?width=320&height=240`, {
    headers: VENDOR_AUTH,
  });
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  const image = jpeg.decode(Buffer.from(await response.arrayBuffer()));
  assert.deepEqual([image.width, image.height], [320, 240]);
  assert.equal(
    vendorError((await vendorCall(`${url}/api/camera/snapshot?width=321&height=240`)).body).code,
    12,
  );
  assert.equal(vendorError((await vendorCall(`${url}/api/camera/snapshot`)).body).code, 11);
  for (const path of [
    'camera/caps',
    'call/status',
    'phone/status',
    'audio/test',
    'system/caps',
    'system/time',
    'log/caps',
    'io/caps',
    'switch/caps',
  ]) {
    assert.equal((await vendorCall(`${url}/api/${path}`)).body.success, true, path);
  }
});

test('camera/snapshot answers POST as well as GET (§5.8.2)', async (t) => {
  const { url } = await apiDevice(t);
  const response = await fetch(`${url}/api/camera/snapshot?width=320&height=240`, {
    method: 'POST',
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  const jpeg = Buffer.from(await response.arrayBuffer());
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
});

/** Reads a streamed answer until `parts` JPEG parts have arrived, then closes it. */
async function readParts(response: Response, parts: number) {
  const reader = response.body!.getReader();
  let text = '';
  let bytes = Buffer.alloc(0);
  while ((text.match(/Content-Type: image\/jpeg/g) ?? []).length < parts + 1) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes = Buffer.concat([bytes, Buffer.from(value)]);
    text = bytes.toString('latin1');
  }
  await reader.cancel();
  return bytes;
}

test('camera/snapshot with fps pushes JPEG pictures as multipart/x-mixed-replace (§5.8.2)', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const started = Date.now();
  const response = await fetch(`${url}/api/camera/snapshot?width=160&height=120&fps=10`, {
    headers: VENDOR_AUTH,
  });
  assert.equal(response.status, 200);
  const type = response.headers.get('content-type') ?? '';
  const boundary = /^multipart\/x-mixed-replace;\s*boundary=(.+)$/.exec(type)?.[1];
  assert.ok(boundary, type);
  const bytes = await readParts(response, 3);
  // Each part: the boundary, its own Content-Type and Content-Length, then a whole JPEG.
  const parts = bytes.toString('latin1').split(`--${boundary}\r\n`).slice(1, 4);
  for (const part of parts) {
    const head = part.slice(0, part.indexOf('\r\n\r\n'));
    const length = Number(/Content-Length: (\d+)/i.exec(head)![1]);
    const start = bytes.indexOf('\r\n\r\n', bytes.indexOf(head, 0, 'latin1'), 'latin1') + 4;
    const image = jpeg.decode(bytes.subarray(start, start + length));
    assert.deepEqual([image.width, image.height], [160, 120]);
  }
  // Three pictures at 10 fps take about 0.2 s after the first: paced, not flooded.
  assert.ok(Date.now() - started >= 150);
  // Without fps (or fps=0) it stays one picture.
  const single = await fetch(`${url}/api/camera/snapshot?width=160&height=120&fps=0`, {
    headers: VENDOR_AUTH,
  });
  assert.equal(single.headers.get('content-type'), 'image/jpeg');
  await single.arrayBuffer();
});

test('attack: camera/snapshot refuses an fps out of range or not a number, with param fps', async (t) => {
  const { url } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  for (const fps of ['31', '-1', 'ten', '1e3']) {
    const { status, body } = await vendorCall(
      `${url}/api/camera/snapshot?width=160&height=120&fps=${fps}`,
    );
    assert.equal(status, 200);
    const error = vendorError(body);
    assert.equal(error.code, 12, fps);
    assert.equal(error.param, 'fps', fps);
  }
});

test('a picture push ends when the device restarts or shuts down, as its connections drop', async (t) => {
  const running = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const open = async () => {
    const response = await fetch(`${running.url}/api/camera/snapshot?width=160&height=120&fps=5`, {
      headers: VENDOR_AUTH,
    });
    const reader = response.body!.getReader();
    await reader.read();
    return async () => {
      for (;;) {
        const { done } = await reader.read().catch(() => ({ done: true }));
        if (done) return;
      }
    };
  };
  const untilEnd = await open();
  assert.equal((await vendorCall(`${running.url}/api/system/restart`)).body.success, true);
  await untilEnd();
  const again = await open();
  const started = Date.now();
  await running.close();
  await again();
  assert.ok(Date.now() - started < 2000);
});
