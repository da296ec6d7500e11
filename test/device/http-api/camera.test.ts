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
