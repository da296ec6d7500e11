import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { generateSelfSignedCertificate } from '../../src/device/certificate.ts';
import { defaultConfig } from '../../src/device/config.model.ts';
import { configToXml, parseConfigXml } from '../../src/device/config.xml.ts';

const certificate = generateSelfSignedCertificate('2N-IP-5405620293');

test('the configuration survives a round trip through the vendor XML', () => {
  const config = defaultConfig('2N IP Verso', '54-0562-0293', certificate);
  config.network = { ...config.network, dhcp: false, ipAddress: '10.0.0.2', netmask: '255.0.0.0' };
  config.webServer.deviceName = 'Entrance <A> & "B"';
  config.httpApi.accounts.push({
    id: 3,
    enabled: true,
    username: 'x',
    passwordHa1: 'a'.repeat(32),
    privileges: ['switch.control', 'io.monitor'],
  });
  config.directory = {
    timestamp: 4,
    users: [
      {
        uuid: '0B2E4D5A-1C3F-4E6A-8B9C-0D1E2F3A4B5C',
        timestamp: 4,
        name: 'Jana',
        email: '',
        treepath: '/',
        virtNumber: '',
        callPos: [{ peer: 'sip:100@10.0.0.1' }],
        access: { pin: '', card: ['12345678'], code: ['1234', '5678'] },
      },
    ],
  };
  const xml = configToXml(config);
  assert.match(
    xml,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<DeviceDatabase Version="4" Model="2N IP Verso">/,
  );
  assert.deepEqual(parseConfigXml(xml), { ok: true, value: config });
});

test('an incomplete or altered configuration is refused as a whole, with the reason', () => {
  const xml = configToXml(defaultConfig('2N IP Verso', '54-0562-0293', certificate));
  const refused = (text: string) => {
    const result = parseConfigXml(text);
    assert.equal(result.ok, false);
    return result.ok ? '' : result.message;
  };
  assert.match(refused(xml.slice(0, xml.length / 2)), /not well-formed/);
  assert.match(refused(xml.replace('Version="4"', 'Version="3"')), /version "3"/);
  assert.match(refused(xml.replace(/<Switch Id="4"[^>]*><\/Switch>/, '')), /switches/);
  assert.match(
    refused(xml.replace('<SpeakerVolume>7', '<SpeakerVolume>70')),
    /audio\.speakerVolume/,
  );
  assert.match(refused('<html></html>'), /not a device configuration/);
});

test('the self-signed certificate is a valid X.509 certificate that verifies with its own key', () => {
  const x509 = new X509Certificate(certificate.certPem);
  assert.match(x509.subject, /CN=2N-IP-5405620293/);
  assert.ok(x509.verify(x509.publicKey));
  assert.notEqual(
    generateSelfSignedCertificate('a').certPem,
    generateSelfSignedCertificate('a').certPem,
  );
});

test('a configuration with a foreign password hash or a mismatched certificate is refused', () => {
  const config = defaultConfig('2N IP Verso', '54-0562-0293', certificate);
  const xml = configToXml(config);
  const refused = (text: string) => {
    const result = parseConfigXml(text);
    return result.ok ? '' : result.message;
  };
  assert.match(
    refused(xml.replace('PasswordHash=""', 'PasswordHash="scrypt$30$8$1$c2FsdA==$aGFzaA=="')),
    /admin\.passwordHash/,
  );
  const other = generateSelfSignedCertificate('other');
  assert.match(
    refused(xml.replace(certificate.certPem, other.certPem)),
    /does not belong to its private key/,
  );
  assert.equal(
    refused(xml.replace('PasswordHash=""', 'PasswordHash="scrypt$14$8$1$c2FsdA==$aGFzaA=="')),
    '',
  );
});
