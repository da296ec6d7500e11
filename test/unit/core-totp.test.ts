import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRecoveryCode, parseSecondFactor } from '../../src/core/totp.rules.ts';

describe('second factors as typed', () => {
  it('reads six digits as a code from the app, with the spaces apps show', () => {
    assert.deepEqual(parseSecondFactor('123456'), { kind: 'totp', code: '123456' });
    assert.deepEqual(parseSecondFactor(' 123 456 '), { kind: 'totp', code: '123456' });
  });

  it('reads twelve Crockford symbols as a recovery code, folded the way Crockford decodes', () => {
    assert.deepEqual(parseSecondFactor('AB12-CD34-EF56'), {
      kind: 'recovery',
      code: 'AB12CD34EF56',
    });
    assert.deepEqual(parseSecondFactor('ab12 cd34 ef56'), {
      kind: 'recovery',
      code: 'AB12CD34EF56',
    });
    assert.deepEqual(parseSecondFactor('oOiL-0000-1111'), {
      kind: 'recovery',
      code: '00110000' + '1111',
    });
  });

  it('refuses anything else', () => {
    for (const input of [
      '',
      '12345',
      '1234567',
      'ABCDEF',
      'AB12-CD34-EF5U',
      'AB12-CD34-EF567',
      '١٢٣٤٥٦',
    ]) {
      assert.deepEqual(parseSecondFactor(input), { kind: 'invalid' }, input);
    }
  });

  it('formats recovery codes as XXXX-XXXX-XXXX that read back as themselves', () => {
    const code = formatRecoveryCode(new Uint8Array([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]));
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    assert.deepEqual(parseSecondFactor(code), { kind: 'recovery', code: code.replace(/-/g, '') });
    assert.notEqual(formatRecoveryCode(new Uint8Array(8)), code);
  });
});
