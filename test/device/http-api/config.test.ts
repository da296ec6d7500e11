import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestDevice } from '../helpers.ts';
import {
  vendorCall,
  vendorError,
  VENDOR_AUTH,
  VENDOR_USER,
  VENDOR_PASS,
} from './vendor.helpers.ts';

// 2N HTTP API §5.3 api/config: backup, restore and factory reset.

test('config download is the vendor XML, upload with blob-cfg restores it, factoryreset keeps or resets the network', async (t) => {
  const { url, device } = await startTestDevice(t, {
    apiAccounts: [{ username: VENDOR_USER, password: VENDOR_PASS }],
  });
  const download = await fetch(`${url}/api/config`, { headers: VENDOR_AUTH });
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-type') ?? '', /xml/);
  const xml = await download.text();
  assert.match(xml, /<DeviceDatabase Version="4" Model="2N IP Verso">/);
  for (const section of [
    'Network',
    'Services',
    'Users',
    'Directory',
    'Switches',
    'Audio',
    'Display',
  ]) {
    assert.match(xml, new RegExp(`<${section}[ >]`), section);
  }

  const edited = xml.replace(
    '<SpeakerVolume>7</SpeakerVolume>',
    '<SpeakerVolume>3</SpeakerVolume>',
  );
  const upload = new FormData();
  upload.append('blob-cfg', new Blob([edited]), 'config.xml');
  assert.deepEqual((await vendorCall(`${url}/api/config`, { method: 'PUT', body: upload })).body, {
    success: true,
  });
  assert.equal(device.config.current.audio.speakerVolume, 3);

  const broken = new FormData();
  broken.append('blob-cfg', new Blob([edited.slice(0, 500)]), 'config.xml');
  assert.equal(
    vendorError((await vendorCall(`${url}/api/config`, { method: 'PUT', body: broken })).body).code,
    12,
  );
  assert.equal(device.config.current.audio.speakerVolume, 3);
  assert.equal(
    vendorError(
      (await vendorCall(`${url}/api/config`, { method: 'PUT', body: new FormData() })).body,
    ).code,
    11,
  );

  await device.config.update('test', (d) => {
    d.network = { ...d.network, dhcp: false, ipAddress: '10.0.0.5', netmask: '255.0.0.0' };
  });
  assert.deepEqual((await vendorCall(`${url}/api/config/factoryreset`, { method: 'PUT' })).body, {
    success: true,
  });
  assert.equal(
    device.config.current.network.ipAddress,
    '10.0.0.5',
    'without section=network the network stays',
  );
  assert.equal(
    device.config.current.httpApi.accounts.length,
    0,
    'the API accounts are gone after a reset',
  );
  await device.accounts.provisionIntegratorAccount(VENDOR_USER, VENDOR_PASS);
  assert.deepEqual(
    (await vendorCall(`${url}/api/config/factoryreset?section=network`, { method: 'PUT' })).body,
    { success: true },
  );
  assert.equal(device.config.current.network.dhcp, true);
  assert.equal(device.config.current.network.ipAddress, '');
});
