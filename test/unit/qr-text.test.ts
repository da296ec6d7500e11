import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateQrText } from '../../src/cloud/certificate.pdf.ts';
import { readCertificateQr } from '../../web/portal/src/qr-text.ts';

const printed = { serialNumber: '54-0562-0293', securityCode: 'KDX1-VG3J-094R-2GDZ' };

describe('the QR text of a certificate of ownership (issue 18, add by scanning)', () => {
  it('reads what the certificate prints (certificateQrText) back as serial and code', () => {
    const text = certificateQrText({ ...printed, model: '2N IP Verso', macAddress: 'x' });
    assert.deepEqual(readCertificateQr(text), printed);
  });

  for (const text of [
    'latchkey:sn=54-0562-0293;code=kdx1-vg3j-094r-2gdz',
    '  LATCHKEY : SN = 54-0562-0293 ; CODE = KDX1-VG3J-094R-2GDZ ;\n',
    'LATCHKEY:CODE=KDX1VG3J094R2GDZ;SN=5405620293',
    'LATCHKEY:SN=54 0562 0293;CODE=KDX1 VG3J 094R 2GDZ',
    'LATCHKEY:SN=54-0562-0293;MODEL=2N IP Verso;CODE=KDX1-VG3J-094R-2GDZ',
  ]) {
    it(`tolerates case, spaces, order and extra fields: ${JSON.stringify(text)}`, () => {
      assert.deepEqual(readCertificateQr(text), printed);
    });
  }

  for (const [why, text] of [
    ['a web address', 'https://example.com/LATCHKEY:SN=54-0562-0293;CODE=KDX1-VG3J-094R-2GDZ'],
    ['a Wi-Fi code', 'WIFI:S:Door;T:WPA;P:secret;;'],
    ['empty', ''],
    ['no fields', 'LATCHKEY:'],
    ['no code', 'LATCHKEY:SN=54-0562-0293'],
    ['no serial', 'LATCHKEY:CODE=KDX1-VG3J-094R-2GDZ'],
    ['a serial of nine digits', 'LATCHKEY:SN=54-0562-029;CODE=KDX1-VG3J-094R-2GDZ'],
    ['a serial with letters', 'LATCHKEY:SN=54-O562-0293;CODE=KDX1-VG3J-094R-2GDZ'],
    ['a code of fifteen', 'LATCHKEY:SN=54-0562-0293;CODE=KDX1-VG3J-094R-2GD'],
    ['a code with a symbol', 'LATCHKEY:SN=54-0562-0293;CODE=KDX1-VG3J-094R-2GD!'],
    ['two serials', 'LATCHKEY:SN=54-0562-0293;SN=11-1111-1111;CODE=KDX1-VG3J-094R-2GDZ'],
    ['a part without =', 'LATCHKEY:SN=54-0562-0293;CODE=KDX1-VG3J-094R-2GDZ;junk'],
    ['another prefix', 'LOCKBOX:SN=54-0562-0293;CODE=KDX1-VG3J-094R-2GDZ'],
  ] as const) {
    it(`is not a certificate: ${why}`, () => {
      assert.equal(readCertificateQr(text), null);
    });
  }
});
