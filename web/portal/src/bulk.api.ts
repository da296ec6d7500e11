import { RawBody, request, type Answer } from './api.ts';

/** One row's answer of a bulk add (issue 18): an outcome, or the single add's error. */
export type BulkResult = Answer<'/api/sites/{siteId}/devices/bulk', 'post'>['results'][number];

/** Issue 18: "Up to 10,000 rows". */
export const MAX_BULK_ROWS = 10_000;

export const bulkAdd = (siteId: string, csv: string) =>
  request<Answer<'/api/sites/{siteId}/devices/bulk', 'post'>>(
    'POST',
    `/api/sites/${encodeURIComponent(siteId)}/devices/bulk`,
    new RawBody(csv, 'text/csv'),
  );

/** A row of the chosen file as the preview shows it, with what is wrong with its format. */
export interface PreviewRow {
  row: number;
  serialNumber: string;
  securityCode: string;
  problem: string | null;
}

export type Preview = { ok: true; rows: PreviewRow[] } | { ok: false; message: string };

/** The cells of one CSV line (quotes as RFC 4180 writes them; a file's line breaks in quotes are rare here). */
function cells(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

// The formats a single add accepts (DESIGN.md): ten digits with optional separators; sixteen
// Crockford symbols in any case, with or without dashes or spaces (O, I and L fold to digits).
const serialProblem = (text: string) =>
  /^\d{2}[\s\-./]*\d{4}[\s\-./]*\d{4}$/.test(text.trim())
    ? null
    : 'The serial number is not in the form NN-NNNN-NNNN.';
const codeProblem = (text: string) =>
  /^[0-9A-HJKMNP-TV-Z]{16}$/.test(
    text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1'),
  )
    ? null
    : 'The security code is not 16 letters and digits (XXXX-XXXX-XXXX-XXXX).';

const HEADER = /^\s*(serial\s*number|serial|serialnumber)\s*$/i;

/**
 * What the preview shows before anything is sent: the rows, and the rows whose format is wrong
 * (the cloud answers those VALIDATION_FAILED without trying them). The cloud reads the file
 * again and decides; this only spares a person a round trip for a file that is clearly wrong.
 */
export function previewFile(text: string): Preview {
  if (text.includes('\u0000'))
    return { ok: false, message: 'The file is not text: save it as CSV (UTF-8).' };
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let columns = { serial: 0, code: 1 };
  let first = 0;
  const head = cells(lines[0] ?? '');
  if (HEADER.test(head[0] ?? '') || head.some((c) => /^\s*security\s*code\s*$/i.test(c))) {
    const at = (pattern: RegExp) => head.findIndex((c) => pattern.test(c.trim()));
    columns = { serial: at(/^serial\s*(number)?$/i), code: at(/^(security\s*)?code$/i) };
    if (columns.serial < 0 || columns.code < 0) {
      return {
        ok: false,
        message: 'The header row needs the columns serialNumber and securityCode.',
      };
    }
    first = 1;
  }
  const rows: PreviewRow[] = [];
  for (let i = first; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const c = cells(lines[i]!);
    const serialNumber = (c[columns.serial] ?? '').trim();
    const securityCode = (c[columns.code] ?? '').trim();
    rows.push({
      row: i + 1,
      serialNumber,
      securityCode,
      problem: serialProblem(serialNumber) ?? codeProblem(securityCode),
    });
  }
  if (rows.length === 0) return { ok: false, message: 'The file has no rows.' };
  if (rows.length > MAX_BULK_ROWS) {
    return {
      ok: false,
      message: `The file has ${rows.length.toLocaleString('en')} rows; a bulk add takes at most 10,000. Split it into parts.`,
    };
  }
  return { ok: true, rows };
}

const field = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;

/** The results as the download gives them: one line per row, as `latchkey claim` writes them. */
export function resultsCsv(results: BulkResult[]): string {
  const lines = results.map((r) =>
    [
      String(r.row),
      r.serialNumber,
      r.outcome ?? (r.error?.code === 'ALREADY_IN_THIS_SITE' ? 'already-here' : 'failed'),
      r.error?.code ?? '',
      r.error?.message ?? '',
    ]
      .map(field)
      .join(','),
  );
  return ['row,serialNumber,outcome,errorCode,message', ...lines].join('\r\n') + '\r\n';
}
