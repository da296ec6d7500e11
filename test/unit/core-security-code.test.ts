import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { crockfordEncode } from '../../src/core/crockford.codec.ts';
import {
  deriveSecurityCode,
  formatSecurityCode,
  GENERATION_LOOK_AHEAD,
  GENERATION_LOOK_BEHIND,
  matchSecurityCode,
  parseSecurityCode,
  type SecurityCode,
} from '../../src/core/security-code.rules.ts';
import type { SerialNumber } from '../../src/core/serial.rules.ts';

const secret = Buffer.from(
  '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
  'hex',
);
const serial = '54-0562-0293' as SerialNumber;

describe('security code derivation', () => {
  it('is the first 16 Crockford symbols of HMAC-SHA256(secret, "security-code/serial/g")', () => {
    const mac = createHmac('sha256', secret).update('security-code/54-0562-0293/0').digest();
    assert.equal(deriveSecurityCode(secret, serial, 0), crockfordEncode(mac, 16));
    assert.match(deriveSecurityCode(secret, serial, 0), /^[0-9A-HJKMNP-TV-Z]{16}$/);
  });

  it('gives a different code for every generation', () => {
    const codes = new Set(
      Array.from({ length: 50 }, (_, g) => deriveSecurityCode(secret, serial, g)),
    );
    assert.equal(codes.size, 50);
  });

  it('encodes bits most significant first', () => {
    assert.equal(crockfordEncode(Buffer.from([0xff, 0x00, 0xff, 0x00, 0xff]), 8), 'ZW0FY07Z');
  });

  it('is shown in groups of four', () => {
    assert.match(formatSecurityCode(deriveSecurityCode(secret, serial, 0)), /^(\w{4}-){3}\w{4}$/);
  });
});

describe('security code input', () => {
  const code = deriveSecurityCode(secret, serial, 0);
  const shown = formatSecurityCode(code);

  it('accepts the code with dashes, without, in lower case and with spaces', () => {
    for (const typed of [shown, code, shown.toLowerCase(), shown.replace(/-/g, ' '), ` ${code} `]) {
      assert.deepEqual(parseSecurityCode(typed), { ok: true, value: code }, typed);
    }
  });

  it('folds O to 0 and I and L to 1 as Crockford decoding does', () => {
    assert.deepEqual(parseSecurityCode('O0OO-IiLl-1111-0000'), {
      ok: true,
      value: '0000111111110000',
    });
  });

  it('refuses U and other characters, naming the character', () => {
    const result = parseSecurityCode('UUUU-0000-0000-0000');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /"U"/);
    assert.equal(parseSecurityCode('0000-0000-0000-000!').ok, false);
  });

  it('says how many symbols the code has when it is too short or too long', () => {
    const short = parseSecurityCode('ABCD-EFGH-JKMN');
    assert.match(!short.ok ? short.message : '', /16 letters and digits.*this one has 12/);
    assert.equal(parseSecurityCode(`${code}0`).ok, false);
    assert.equal(parseSecurityCode('').ok, false);
  });
});

describe('generation window', () => {
  const at = (g: number) => deriveSecurityCode(secret, serial, g);

  it('matches the known generation', () => {
    assert.equal(matchSecurityCode(secret, serial, at(10), 10), 10);
  });

  it('matches the oldest generation inside the window', () => {
    assert.equal(matchSecurityCode(secret, serial, at(10 - GENERATION_LOOK_BEHIND), 10), 2);
  });

  it('does not match one generation older than the window', () => {
    assert.equal(matchSecurityCode(secret, serial, at(10 - GENERATION_LOOK_BEHIND - 1), 10), null);
  });

  it('matches the newest generation inside the look-ahead', () => {
    assert.equal(matchSecurityCode(secret, serial, at(10 + GENERATION_LOOK_AHEAD), 10), 42);
  });

  it('does not match one generation past the look-ahead', () => {
    assert.equal(matchSecurityCode(secret, serial, at(10 + GENERATION_LOOK_AHEAD + 1), 10), null);
  });

  it('starts the window at generation 0 for a new device', () => {
    assert.equal(matchSecurityCode(secret, serial, at(0), 0), 0);
    assert.equal(matchSecurityCode(secret, serial, at(GENERATION_LOOK_AHEAD), 0), 32);
  });

  it('does not match another device with the same code of the same serial', () => {
    const other = Buffer.alloc(32, 7);
    assert.equal(matchSecurityCode(other, serial, at(0) as SecurityCode, 0), null);
  });
});
