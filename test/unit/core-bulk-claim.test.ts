import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bulkFailureBudget,
  checkBulkRow,
  countsTowardLimit,
  MAX_BULK_ROWS,
  readBulkCsv,
  readBulkJson,
} from '../../src/core/bulk-claim.rules.ts';

const CODE = 'ABCD-EFGH-JKMN-PQRS';
const site = { id: 'site-1', name: 'Depot' };

describe('bulk add files (issue 18)', () => {
  it('reads rows with or without a header, numbering them by line', () => {
    const plain = readBulkCsv(`54-0562-0293,${CODE}\r\n\r\n54-0562-0294,${CODE}\n`);
    assert.ok(plain.ok);
    assert.deepEqual(
      plain.rows.map((r) => [r.row, r.serialNumber]),
      [
        [1, '54-0562-0293'],
        [3, '54-0562-0294'],
      ],
    );
    const headed = readBulkCsv(`Security Code,serial_number\n${CODE},54-0562-0293\n`);
    assert.ok(headed.ok);
    assert.deepEqual(headed.rows, [{ row: 2, serialNumber: '54-0562-0293', securityCode: CODE }]);
  });

  it('refuses a file that is not one of serial numbers and codes, whole', () => {
    for (const text of [
      '',
      '\n\n',
      'serialNumber,securityCode\n',
      'a,"b',
      'serialNumber,pin\n1,2',
      'x\u0000y',
    ]) {
      const file = readBulkCsv(text);
      assert.equal(file.ok, false, JSON.stringify(text));
      assert.equal(!file.ok && file.code, 'BULK_FILE_INVALID');
    }
    const long = readBulkCsv(
      Array.from({ length: MAX_BULK_ROWS + 1 }, () => `1,${CODE}`).join('\n'),
    );
    assert.equal(!long.ok && long.code, 'BULK_TOO_MANY_ROWS');
    assert.equal(
      readBulkCsv(Array.from({ length: MAX_BULK_ROWS }, () => `1,${CODE}`).join('\n')).ok,
      true,
    );
    const json = readBulkJson(
      Array.from({ length: MAX_BULK_ROWS + 1 }, () => ({ serialNumber: '', securityCode: '' })),
    );
    assert.equal(!json.ok && json.code, 'BULK_TOO_MANY_ROWS');
  });

  it('checks each row as a single add would, and a site cell against the site', () => {
    const ok = checkBulkRow(
      { row: 1, serialNumber: '54 0562 0293', securityCode: CODE.toLowerCase() },
      site,
    );
    assert.deepEqual(ok, {
      row: 1,
      serialNumber: '54-0562-0293',
      securityCode: 'ABCDEFGHJKMNPQRS',
      ok: true,
    });
    const bad = checkBulkRow({ row: 2, serialNumber: '54-0562', securityCode: 'nope' }, site);
    assert.equal(bad.ok, false);
    assert.deepEqual(!bad.ok && bad.fields.map((f) => f.field), ['serialNumber', 'securityCode']);
    for (const named of ['site-1', 'depot', ' DEPOT ', '']) {
      assert.equal(
        checkBulkRow(
          { row: 3, serialNumber: '54-0562-0293', securityCode: CODE, site: named },
          site,
        ).ok,
        true,
      );
    }
    const elsewhere = checkBulkRow(
      { row: 4, serialNumber: '54-0562-0293', securityCode: CODE, site: 'Other' },
      site,
    );
    assert.deepEqual(!elsewhere.ok && elsewhere.fields.map((f) => f.field), ['site']);
    const extra = checkBulkRow(
      { row: 5, serialNumber: '54-0562-0293', securityCode: CODE, extra: true },
      site,
    );
    assert.deepEqual(!extra.ok && extra.fields.map((f) => f.field), ['row']);
  });

  it('gives a request 1 % of its rows as failed guesses, at least the single limit, and counts one in ten', () => {
    assert.equal(bulkFailureBudget(1, 10), 10);
    assert.equal(bulkFailureBudget(1_000, 10), 10);
    assert.equal(bulkFailureBudget(1_500, 10), 15);
    assert.equal(bulkFailureBudget(10_000, 10), 100);
    const counted = Array.from({ length: 100 }, (_, i) => i + 1).filter(countsTowardLimit);
    assert.deepEqual(counted, [1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
  });
});
