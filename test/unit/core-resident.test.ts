import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkApartment,
  compareApartmentNames,
  familyHomeApartmentName,
} from '../../src/core/apartment.rules.ts';
import { checkResident, type ResidentDraftInput } from '../../src/core/resident.rules.ts';
import {
  readAccess,
  readEnabled,
  readImportFile,
  rowResident,
} from '../../src/core/residents-import.rules.ts';

const devices = new Set(['54-0562-0293']);
const base: ResidentDraftInput = {
  name: ' Anna Novák ',
  apartmentId: 'apt',
  pins: ['1234'],
  cards: ['0a1b'],
  enabled: true,
  access: [{ serialNumber: '5405620293', switch: 1 }],
};

const fieldsOf = (input: Partial<ResidentDraftInput>) => {
  const result = checkResident({ ...base, ...input }, devices);
  return result.ok ? [] : result.fields.map((f) => f.field);
};

describe('resident rules', () => {
  it('normalises a valid resident', () => {
    const result = checkResident(
      {
        ...base,
        email: ' ',
        validFrom: '2026-01-01',
        validTo: '2026-06-01T12:00:00+02:00',
        callTarget: ' 1001 ',
      },
      devices,
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      name: 'Anna Novák',
      email: null,
      apartmentId: 'apt',
      pins: ['1234'],
      cards: ['0A1B'],
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2026-06-01T10:00:00.000Z',
      enabled: true,
      access: [{ serialNumber: '54-0562-0293', switch: 1 }],
      callTarget: '1001',
    });
  });

  it('takes PINs of 2 to 15 digits, one per resident', () => {
    assert.deepEqual(fieldsOf({ pins: ['12'] }), []);
    assert.deepEqual(fieldsOf({ pins: ['123456789012345'] }), []);
    assert.deepEqual(fieldsOf({ pins: ['1234567890123456'] }), ['pins[0]']);
    assert.deepEqual(fieldsOf({ pins: ['1'] }), ['pins[0]']);
    assert.deepEqual(fieldsOf({ pins: ['12 34'] }), ['pins[0]']);
    assert.deepEqual(fieldsOf({ pins: ['1234', '5678'] }), ['pins']);
  });

  it('takes up to two hexadecimal cards, each once, in any case', () => {
    assert.deepEqual(fieldsOf({ cards: ['ab', 'CD'] }), []);
    assert.deepEqual(fieldsOf({ cards: ['ab', 'AB'] }), ['cards[1]']);
    assert.deepEqual(fieldsOf({ cards: ['G1'] }), ['cards[0]']);
    assert.deepEqual(fieldsOf({ cards: ['0'.repeat(33)] }), ['cards[0]']);
    assert.deepEqual(fieldsOf({ cards: ['1', '2', '3'] }), ['cards']);
  });

  it('bounds names, e-mail addresses and call targets', () => {
    assert.deepEqual(fieldsOf({ name: 'x'.repeat(64) }), []);
    assert.deepEqual(fieldsOf({ name: 'x'.repeat(65) }), ['name']);
    assert.deepEqual(fieldsOf({ name: '  ' }), ['name']);
    assert.deepEqual(fieldsOf({ name: 'a\u0007b' }), ['name']);
    assert.deepEqual(fieldsOf({ email: 'anna@example' }), ['email']);
    assert.deepEqual(fieldsOf({ callTarget: 'sip:1001@pbx.example.com' }), []);
    assert.deepEqual(fieldsOf({ callTarget: 'x'.repeat(129) }), ['callTarget']);
  });

  it('wants validity in ISO 8601 with its start before its end', () => {
    assert.deepEqual(fieldsOf({ validFrom: '31.12.2026' }), ['validFrom']);
    assert.deepEqual(fieldsOf({ validFrom: '2026-02-30T25:00' }), ['validFrom']);
    assert.deepEqual(fieldsOf({ validFrom: '2026-01-02', validTo: '2026-01-01' }), ['validTo']);
    assert.deepEqual(fieldsOf({ validFrom: '2026-01-01', validTo: '2026-01-01' }), ['validTo']);
  });

  it('grants only switches 1–4 of the site’s devices, each once', () => {
    assert.deepEqual(fieldsOf({ access: [{ serialNumber: '11-1111-1111', switch: 1 }] }), [
      'access[0].serialNumber',
    ]);
    assert.deepEqual(fieldsOf({ access: [{ serialNumber: '54-0562-0293', switch: 0 }] }), [
      'access[0].switch',
    ]);
    assert.deepEqual(fieldsOf({ access: [{ serialNumber: '54-0562-0293', switch: 5 }] }), [
      'access[0].switch',
    ]);
    assert.deepEqual(
      fieldsOf({
        access: [
          { serialNumber: '54-0562-0293', switch: 2 },
          { serialNumber: '5405620293', switch: 2 },
        ],
      }),
      ['access[1]'],
    );
  });

  it('never repeats a PIN or card in its messages', () => {
    const result = checkResident(
      { ...base, pins: ['98765432109876543'], cards: ['XYZ123'] },
      devices,
    );
    assert.equal(result.ok, false);
    assert.doesNotMatch(JSON.stringify(result), /98765432109876543|XYZ123/);
  });
});

describe('apartment rules', () => {
  it('trims names and floors, bounded', () => {
    assert.deepEqual(checkApartment({ name: ' 12 ', floor: ' ' }), {
      ok: true,
      value: { name: '12', floor: null },
    });
    assert.equal(checkApartment({ name: 'x'.repeat(33) }).ok, false);
    assert.equal(checkApartment({ name: 'a/b' }).ok, false);
    assert.equal(checkApartment({ name: '1', floor: 'x'.repeat(17) }).ok, false);
  });

  it('sorts names as people count', () => {
    assert.deepEqual(['10', 'B2', '2', 'B10', '1'].sort(compareApartmentNames), [
      '1',
      '2',
      '10',
      'B2',
      'B10',
    ]);
  });

  it('names a family home’s apartment after the house', () => {
    assert.equal(familyHomeApartmentName('Nováks/home'), 'Nováks-home');
    assert.equal(familyHomeApartmentName('x'.repeat(50)).length, 32);
  });
});

describe('residents file', () => {
  it('reads the header in any case and the rows by column', () => {
    const file = readImportFile('Apartment,NAME,pin\r\n12,Anna,1234\n', 10);
    assert.ok(file.ok);
    assert.deepEqual(file.columns, ['apartment', 'name', 'pin']);
    assert.deepEqual(file.rows, [
      { row: 2, cells: { apartment: '12', name: 'Anna', pin: '1234' } },
    ]);
  });

  it('refuses unknown or missing columns, ragged rows and too many rows', () => {
    for (const text of [
      'apartment,name,colour\n',
      'name,pin\n',
      'apartment,name\n1,a,b\n',
      '',
      'apartment,name,name\n',
    ]) {
      const file = readImportFile(text, 10);
      assert.equal(file.ok, false, text);
      assert.equal(!file.ok && file.fields[0]!.field, 'file');
    }
    assert.equal(readImportFile('apartment,name\n1,a\n1,b\n', 1).ok, false);
  });

  it('reads enabled and access cells', () => {
    assert.equal(readEnabled(''), true);
    assert.equal(readEnabled('No'), false);
    assert.equal(readEnabled('maybe'), null);
    assert.deepEqual(readAccess(' 54-0562-0293:1  54-0562-0293:2 '), [
      { serialNumber: '54-0562-0293', switch: 1 },
      { serialNumber: '54-0562-0293', switch: 2 },
    ]);
    assert.equal(readAccess('54-0562-0293'), null);
  });

  it('lays a row over the resident it updates: columns the file lacks stay, empty cells clear', () => {
    const stored = { ...base, email: 'anna@example.com', callTarget: '1001' };
    const { input, errors } = rowResident(
      { name: 'Anna', pin: '', cards: 'aa  bb', enabled: 'no' },
      new Set(['apartment', 'name', 'pin', 'cards', 'enabled'] as const),
      stored,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(input, {
      ...stored,
      name: 'Anna',
      pins: [],
      cards: ['aa', 'bb'],
      enabled: false,
    });
    const wrong = rowResident(
      { name: 'B', enabled: 'perhaps', access: '54-0562-0293' },
      new Set(['apartment', 'name', 'enabled', 'access'] as const),
      base,
    );
    assert.deepEqual(
      wrong.errors.map((e) => e.field),
      ['enabled', 'access'],
    );
  });
});
