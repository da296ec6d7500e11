/**
 * CSV as RFC 4180 writes it, read tolerantly: fields separated by commas, records by CRLF or
 * LF, a field in double quotes may hold commas, line breaks and doubled quotes (""). A UTF-8
 * byte order mark (as spreadsheets write it) is skipped.
 */

export interface CsvRecord {
  /** The line of the file the record starts on, 1-based, for messages a person can follow. */
  line: number;
  fields: string[];
}

export type CsvReading =
  { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

/** Reads every record; blank lines (a lone line break) are skipped. */
export function readCsv(text: string): CsvReading {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  // Whether the current field began with a quote (and so may not have text outside of it).
  let wasQuoted = false;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !wasQuoted)) {
      records.push({ line: recordLine, fields });
    }
    fields = [];
    field = '';
    wasQuoted = false;
  };
  while (i < source.length) {
    const c = source[i]!;
    if (quoted) {
      if (c === '"') {
        if (source[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line += 1;
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) {
        return {
          ok: false,
          line,
          message:
            'A quote (") inside a field that is not quoted; write it as "" inside a quoted field.',
        };
      }
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      if (c === '\r' && source[i + 1] === '\n') i += 1;
      line += 1;
      recordLine = line;
    } else if (wasQuoted) {
      return {
        ok: false,
        line,
        message: 'Text after the closing quote of a field; put the whole field in quotes.',
      };
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) {
    return {
      ok: false,
      line: recordLine,
      message: 'A quoted field is not closed; add the closing quote (").',
    };
  }
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
  return { ok: true, records };
}

/** One field as RFC 4180 writes it: quoted when it holds a comma, quote or line break. */
export function writeCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
