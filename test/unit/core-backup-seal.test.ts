import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  newSiteBackupKeys,
  openForDevice,
  openFromDevice,
  sealForDevice,
  sealToSite,
} from '../../src/core/backup-seal.ts';

const plain = Buffer.from('<DeviceDatabase Version="4"></DeviceDatabase>');

describe('backups sealed to a site', () => {
  it('open with that site’s private key and with no other', () => {
    const site = newSiteBackupKeys();
    const other = newSiteBackupKeys();
    const sealed = sealToSite(plain, site.publicKey);
    assert.ok(sealed.ok);
    const opened = openFromDevice(sealed.value, site.privateKey);
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, plain);
    assert.equal(openFromDevice(sealed.value, other.privateKey).ok, false);
  });

  it('refuse a changed byte anywhere, and a key that is not X25519', () => {
    const site = newSiteBackupKeys();
    const sealed = sealToSite(plain, site.publicKey);
    assert.ok(sealed.ok);
    for (const index of [4, 10, 40, 55, sealed.value.length - 1]) {
      const forged: Buffer = Buffer.from(sealed.value);
      forged[index]! ^= 1;
      assert.equal(openFromDevice(forged, site.privateKey).ok, false, `byte ${index}`);
    }
    assert.equal(sealToSite(plain, Buffer.from('not a key').toString('base64')).ok, false);
  });
});

describe('backups sealed for a device', () => {
  it('open with that device’s secret and serial only', () => {
    const secret = randomBytes(32);
    const sealed = sealForDevice(plain, secret, '54-0562-0293');
    const opened = openForDevice(sealed, secret, '54-0562-0293');
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, plain);
    assert.equal(openForDevice(sealed, secret, '54-0562-0294').ok, false);
    assert.equal(openForDevice(sealed, randomBytes(32), '54-0562-0293').ok, false);
    const forged: Buffer = Buffer.from(sealed);
    forged[20]! ^= 1;
    assert.equal(openForDevice(forged, secret, '54-0562-0293').ok, false);
  });
});
