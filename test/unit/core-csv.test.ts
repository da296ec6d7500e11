import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCsv, writeCsvField } from '../../src/core/csv.codec.ts';

const fieldsOf = (text: string) => {
  const result = readCsv(text);
  assert.ok(result.ok, JSON.stringify(result));
  return result.records.map((r) => r.fields);
};

describe('CSV reader (RFC 4180)', () => {
  it('reads plain records with LF, CRLF or no final line break', () => {
    assert.deepEqual(fieldsOf('a,b\n1,2\n'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(fieldsOf('a,b\r\n1,2\r\n'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(fieldsOf('a,b\r\n1,2'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('skips a UTF-8 byte order mark and blank lines', () => {
    assert.deepEqual(fieldsOf('\uFEFFname,pin\r\n\r\nAnna,1234\n\n'), [
      ['name', 'pin'],
      ['Anna', '1234'],
    ]);
  });

  it('keeps empty fields', () => {
    assert.deepEqual(fieldsOf(',,\n'), [['', '', '']]);
    assert.deepEqual(fieldsOf('a,\n'), [['a', '']]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    assert.deepEqual(fieldsOf('"Novák, Anna","say ""hi""","line 1\r\nline 2"\nx,"",y'), [
      ['Novák, Anna', 'say "hi"', 'line 1\r\nline 2'],
      ['x', '', 'y'],
    ]);
  });

  it('numbers records by the line they start on', () => {
    const result = readCsv('h\n"a\nb"\nc\n');
    assert.ok(result.ok);
    assert.deepEqual(
      result.records.map((r) => r.line),
      [1, 2, 4],
    );
  });

  it('says where a quote is wrong', () => {
    assert.deepEqual(readCsv('a,b\n1,"open\n').ok, false);
    const stray = readCsv('a,b\nx"y,2\n');
    assert.equal(stray.ok, false);
    assert.equal(!stray.ok && stray.line, 2);
    const after = readCsv('"a"b,c');
    assert.equal(after.ok, false);
    assert.match(!after.ok ? after.message : '', /closing quote/);
  });

  it('writes fields that read back the same', () => {
    const values = ['plain', 'with, comma', 'with "quote"', 'two\nlines', ''];
    const line = values.map(writeCsvField).join(',');
    assert.deepEqual(fieldsOf(`${line}\n`), [values]);
  });
});
