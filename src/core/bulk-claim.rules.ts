import { readCsv } from './csv.codec.ts';
import type { ErrorCode, FieldError } from './errors.ts';
import { parseSecurityCode, type SecurityCode } from './security-code.rules.ts';
import { parseSerialNumber, type SerialNumber } from './serial.rules.ts';

/** Issue 18: "Up to 10,000 rows". */
export const MAX_BULK_ROWS = 10_000;

/**
 * A bulk request's body limit: 10,000 rows of JSON (about 75 bytes a row) or CSV (about 35)
 * fit with room for spaces and a site column; every other route keeps the API's 64 KiB.
 */
export const MAX_BULK_BYTES = 1024 * 1024;

/** How many rows of a bulk request are claimed at once: enough for the committer to batch. */
export const BULK_CONCURRENCY = 16;

/**
 * Failed guesses (wrong serial or code) a bulk request may make before its remaining rows are
 * answered TOO_MANY_ATTEMPTS untried: 1 % of its rows, at least the single-claim limit
 * (docs/decisions/18-bulk.md).
 */
export const bulkFailureBudget = (rows: number, maxFailures: number): number =>
  Math.max(maxFailures, Math.ceil(rows / 100));

/**
 * How many failed guesses of one bulk request count as one failure toward the account and
 * address limits: the 1st, the 11th, the 21st… each count once (docs/decisions/18-bulk.md).
 */
export const FAILURES_PER_COUNTED_FAILURE = 10;

/** Whether this failure of the request (1-based) is one that counts toward the account limit. */
export const countsTowardLimit = (failureNumber: number): boolean =>
  (failureNumber - 1) % FAILURES_PER_COUNTED_FAILURE === 0;

/** One row of the file as written, before its serial and code are read. */
export interface BulkRawRow {
  /** The 1-based data row number: the line in a CSV file, the position in a JSON list. */
  row: number;
  serialNumber: string;
  securityCode: string;
  /** A `site` column's value, when the file has one. */
  site?: string;
  /** The row has more cells than the file's columns. */
  extra?: boolean;
}

/** A row read: ready to claim, or refused for its format (VALIDATION_FAILED, no claim). */
export type BulkRow =
  | { row: number; serialNumber: SerialNumber; securityCode: SecurityCode; ok: true }
  | { row: number; serialNumber: string; ok: false; code: ErrorCode; fields: FieldError[] };

export type BulkFile =
  { ok: true; rows: BulkRawRow[] } | { ok: false; code: ErrorCode; cause: string };

/** No NUL and no undecodable byte: not a spreadsheet's binary format or a picture. */
export const isText = (text: string): boolean =>
  !text.includes('\u0000') && !text.includes('\uFFFD');

const COLUMNS = ['serialNumber', 'securityCode', 'site'] as const;
type Column = (typeof COLUMNS)[number];

const columnNamed = (name: string): Column | undefined => {
  const folded = name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, '');
  if (folded === 'serialnumber' || folded === 'serial') return 'serialNumber';
  if (folded === 'securitycode' || folded === 'code') return 'securityCode';
  if (folded === 'site') return 'site';
  return undefined;
};

const invalid = (cause: string): BulkFile => ({ ok: false, code: 'BULK_FILE_INVALID', cause });

const tooMany = (rows: number): BulkFile => ({
  ok: false,
  code: 'BULK_TOO_MANY_ROWS',
  cause: `The file has ${rows} rows; a bulk add takes at most ${MAX_BULK_ROWS}.`,
});

/**
 * Reads a bulk file (issue 18): CSV with the columns serialNumber, securityCode and an
 * optional site, with or without a header row. Without a header the columns are in that
 * order. A file that is not text, is empty, or names unknown columns is refused whole.
 */
export function readBulkCsv(text: string): BulkFile {
  if (!isText(text)) return invalid('The file is not text: save it as CSV (UTF-8).');
  const csv = readCsv(text);
  if (!csv.ok) return invalid(`Line ${csv.line}: ${csv.message}`);
  let records = csv.records;
  let columns: Column[] = [...COLUMNS];
  const first = records[0];
  if (first && parseSerialNumber(first.fields[0] ?? '').ok === false) {
    const named = first.fields.map(columnNamed);
    if (named.every((column) => column !== undefined)) {
      if (!named.includes('serialNumber') || !named.includes('securityCode')) {
        return invalid('The header row needs the columns serialNumber and securityCode.');
      }
      if (new Set(named).size !== named.length) return invalid('A column appears twice.');
      columns = named;
      records = records.slice(1);
    } else if (named.some((column) => column !== undefined)) {
      const unknown = first.fields.find((name) => columnNamed(name) === undefined) ?? '';
      return invalid(
        `Unknown column "${unknown.trim().slice(0, 40)}"; the columns are serialNumber, securityCode and site (optional).`,
      );
    }
  }
  if (records.length === 0) return invalid('The file has no rows.');
  if (records.length > MAX_BULK_ROWS) return tooMany(records.length);
  const rows = records.map(({ line, fields }) => {
    const cell = (column: Column) => {
      const index = columns.indexOf(column);
      return index < 0 ? undefined : fields[index];
    };
    const site = cell('site');
    return {
      row: line,
      serialNumber: cell('serialNumber') ?? '',
      securityCode: cell('securityCode') ?? '',
      ...(site !== undefined ? { site } : {}),
      ...(fields.length > columns.length ? { extra: true } : {}),
    };
  });
  return { ok: true, rows };
}

/** JSON rows `{rows: [{serialNumber, securityCode}]}`, numbered from 1. */
export function readBulkJson(rows: readonly { serialNumber: string; securityCode: string }[]) {
  if (rows.length === 0) return invalid('The list of rows is empty.');
  if (rows.length > MAX_BULK_ROWS) return tooMany(rows.length);
  return {
    ok: true as const,
    rows: rows.map((r, i) => ({
      row: i + 1,
      serialNumber: r.serialNumber,
      securityCode: r.securityCode,
    })),
  };
}

/**
 * A row's serial and code read as a single add reads them; a row naming another site is
 * refused rather than added where its author did not mean it (docs/decisions/18-bulk.md).
 */
export function checkBulkRow(raw: BulkRawRow, site: { id: string; name: string }): BulkRow {
  const fields: FieldError[] = [];
  const serial = parseSerialNumber(raw.serialNumber);
  const code = parseSecurityCode(raw.securityCode);
  if (!serial.ok) fields.push({ field: 'serialNumber', message: serial.message });
  if (!code.ok) fields.push({ field: 'securityCode', message: code.message });
  const named = raw.site?.trim() ?? '';
  if (named !== '' && named !== site.id && named.toLowerCase() !== site.name.toLowerCase()) {
    fields.push({
      field: 'site',
      message: `This row names the site "${named.slice(0, 60)}"; add it from that site, or clear the column.`,
    });
  }
  if (raw.extra) {
    fields.push({
      field: 'row',
      message: 'The row has more columns than serialNumber, securityCode and site.',
    });
  }
  const shown = serial.ok ? serial.value : raw.serialNumber.trim().slice(0, 100);
  if (fields.length > 0 || !serial.ok || !code.ok) {
    return { row: raw.row, serialNumber: shown, ok: false, code: 'VALIDATION_FAILED', fields };
  }
  return { row: raw.row, serialNumber: serial.value, securityCode: code.value, ok: true };
}
