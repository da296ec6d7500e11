import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSerialNumber } from '../../src/core/serial.rules.ts';

describe('serial numbers', () => {
  for (const input of [
    '54-0562-0293',
    '5405620293',
    ' 54 0562 0293 ',
    '54.0562.0293',
    '54/0562-0293',
  ]) {
    it(`reads "${input}" as 54-0562-0293`, () => {
      assert.deepEqual(parseSerialNumber(input), { ok: true, value: '54-0562-0293' });
    });
  }

  it('says how many digits are missing', () => {
    const result = parseSerialNumber('54-0562-029');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /10 digits.*this one has 9/);
  });

  it('refuses letters with a sentence that says so', () => {
    const result = parseSerialNumber('54-O562-0293');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /only digits/);
  });

  it('asks for a serial number when the field is empty', () => {
    const result = parseSerialNumber('   ');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /Enter the serial number/);
  });
});
