import { readCsv } from './csv.codec.ts';
import type { FieldError } from './errors.ts';
import type { ResidentDraftInput } from './resident.rules.ts';

/**
 * The columns of a residents file (README "Buildings"), matched without regard to case. Only
 * `apartment` and `name` are required; a column left out of the file leaves that field of a
 * resident the file updates as it is (a new resident gets its default).
 */
export const IMPORT_COLUMNS = [
  'apartment',
  'floor',
  'name',
  'email',
  'pin',
  'cards',
  'validFrom',
  'validTo',
  'enabled',
  'access',
  'callTarget',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const REQUIRED: ImportColumn[] = ['apartment', 'name'];

/** A residents file's size limit: 2,000 full rows fit with room to spare. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;

/** One data row of the file: its line (as a spreadsheet numbers it) and its cells by column. */
export interface ImportRow {
  row: number;
  cells: Partial<Record<ImportColumn, string>>;
}

export type ImportFile =
  { ok: true; columns: ImportColumn[]; rows: ImportRow[] } | { ok: false; fields: FieldError[] };

const fileError = (message: string): ImportFile => ({
  ok: false,
  fields: [{ field: 'file', message }],
});

/** Reads the file's header and rows; whatever is wrong with the file as a whole is a `file` error. */
export function readImportFile(text: string, maxRows: number): ImportFile {
  const csv = readCsv(text);
  if (!csv.ok) return fileError(`Line ${csv.line}: ${csv.message}`);
  const [header, ...records] = csv.records;
  if (header === undefined) {
    return fileError(
      `The file is empty; its first line names the columns: ${IMPORT_COLUMNS.join(', ')}.`,
    );
  }
  const columns: ImportColumn[] = [];
  for (const name of header.fields) {
    const column = IMPORT_COLUMNS.find((c) => c.toLowerCase() === name.trim().toLowerCase());
    if (column === undefined) {
      return fileError(
        `Unknown column "${name.trim().slice(0, 40)}"; the columns are ${IMPORT_COLUMNS.join(', ')}.`,
      );
    }
    if (columns.includes(column)) return fileError(`The column "${column}" appears twice.`);
    columns.push(column);
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) return fileError(`The file needs the column(s) ${missing.join(', ')}.`);
  if (records.length > maxRows) {
    return fileError(
      `The file has ${records.length} rows; a site holds at most ${maxRows} residents.`,
    );
  }
  const rows: ImportRow[] = [];
  for (const record of records) {
    if (record.fields.length !== columns.length) {
      return fileError(
        `Line ${record.line} has ${record.fields.length} fields, the header ${columns.length}; quote fields that hold commas.`,
      );
    }
    const cells: ImportRow['cells'] = {};
    columns.forEach((column, i) => {
      cells[column] = record.fields[i]!.trim();
    });
    rows.push({ row: record.line, cells });
  }
  return { ok: true, columns, rows };
}

/** `enabled`: empty is yes (a new resident may open at once), else yes/no, true/false, 1/0. */
export function readEnabled(cell: string): boolean | null {
  const value = cell.toLowerCase();
  if (value === '' || value === 'yes' || value === 'true' || value === '1') return true;
  if (value === 'no' || value === 'false' || value === '0') return false;
  return null;
}

/** `access`: space-separated `SERIAL:SWITCH`, e.g. `54-0562-0293:1 54-0562-0293:2`. */
export function readAccess(cell: string): { serialNumber: string; switch: number }[] | null {
  const rights = [];
  for (const item of cell.split(/\s+/).filter((s) => s !== '')) {
    const match = /^(.+):(\d{1,2})$/.exec(item);
    if (!match) return null;
    rights.push({ serialNumber: match[1]!, switch: Number(match[2]) });
  }
  return rights;
}

/** A resident check's field (`pins[0]`, `access[2].switch`) as the file's column. */
export function columnOf(field: string): string {
  if (field.startsWith('pins')) return 'pin';
  if (field.startsWith('cards')) return 'cards';
  if (field.startsWith('access')) return 'access';
  return field;
}

/**
 * A row's resident: the cells of the file's columns over `base` (the resident the row updates,
 * or a new one's defaults); a column the file lacks keeps the base's value. The result still
 * goes through checkResident; `errors` are what the cells' own syntax got wrong.
 */
export function rowResident(
  cells: ImportRow['cells'],
  columns: ReadonlySet<ImportColumn>,
  base: ResidentDraftInput,
): { input: ResidentDraftInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const has = (column: ImportColumn) => columns.has(column);
  const enabled = readEnabled(cells.enabled ?? '');
  if (has('enabled') && enabled === null) {
    errors.push({
      field: 'enabled',
      message: 'Write yes or no (or true/false, 1/0), or leave it empty for yes.',
    });
  }
  const access = readAccess(cells.access ?? '');
  if (access === null) {
    errors.push({
      field: 'access',
      message: 'List SERIAL:SWITCH separated by spaces, e.g. "54-0562-0293:1 54-0562-0293:2".',
    });
  }
  const input: ResidentDraftInput = {
    ...base,
    name: cells.name ?? '',
    ...(has('email') ? { email: cells.email } : {}),
    ...(has('pin') ? { pins: cells.pin ? [cells.pin] : [] } : {}),
    ...(has('cards') ? { cards: (cells.cards ?? '').split(/\s+/).filter((c) => c !== '') } : {}),
    ...(has('validFrom') ? { validFrom: cells.validFrom } : {}),
    ...(has('validTo') ? { validTo: cells.validTo } : {}),
    ...(has('enabled') && enabled !== null ? { enabled } : {}),
    ...(has('access') && access !== null ? { access } : {}),
    ...(has('callTarget') ? { callTarget: cells.callTarget } : {}),
  };
  return { input, errors };
}
