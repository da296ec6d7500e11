import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { MAX_BULK_ROWS, readBulkCsv, type BulkRawRow } from '../core/bulk-claim.rules.ts';
import { writeCsvField } from '../core/csv.codec.ts';
import { intOption, parseCommandArgs, UsageError, type Command } from './command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: latchkey claim --csv FILE --site ID [options]

Adds the devices of a CSV file to a site (issue 18, bulk add). Each line holds a serial number
and a security code (columns serialNumber,securityCode and an optional site; the header row is
optional). Each row is its own claim with the answers of a single add, so one bad row never
undoes the others. The file is sent in parts, so the progress bar moves, and the answer of every
row is written to a results CSV.

Options:
  --csv FILE      The CSV file (at most ${MAX_BULK_ROWS.toLocaleString('en')} rows)
  --site ID       The site to add the devices to (its id, as in the portal's address)
  --cloud URL     The cloud's base URL (default http://127.0.0.1:8080)
  --token T       An API token (POST /api/tokens, or the portal's account page); default
                  the LATCHKEY_TOKEN environment variable
  --out FILE      Where the results CSV goes (default: FILE.results.csv next to the input)
  --chunk N       Rows per request (default 500)
  -h, --help      Show this help

The results CSV has the columns row, serialNumber, outcome (added, moved, already-here or
failed), errorCode and message; row is the line of the input file.

Exit status: 0 every row was added, moved or already in the site; 1 a row failed, or the cloud
could not be asked; 2 wrong usage.`;

interface RowResult {
  row: number;
  serialNumber: string;
  outcome?: 'added' | 'moved';
  error?: { code: string; message: string };
}

interface ErrorAnswer {
  error?: { code: string; message: string; cause?: string; hints?: string[] };
}

/** Thrown when the cloud refuses a whole request or cannot be reached: one line for the person. */
class CloudError extends Error {
  override name = 'CloudError';
  readonly answer: ErrorAnswer['error'];
  constructor(message: string, answer?: ErrorAnswer['error']) {
    super(message);
    this.answer = answer;
  }
}

const defaultOut = (file: string) =>
  join(dirname(file), `${basename(file, extname(file))}.results.csv`);

/** A part of the file as CSV, with its header, so each row keeps its site cell. */
const chunkCsv = (rows: BulkRawRow[]) =>
  [
    'serialNumber,securityCode,site',
    ...rows.map((r) => [r.serialNumber, r.securityCode, r.site ?? ''].map(writeCsvField).join(',')),
  ].join('\r\n');

async function send(url: URL, token: string, rows: BulkRawRow[]): Promise<RowResult[]> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' },
      body: chunkCsv(rows),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CloudError(
      `Cannot reach the cloud at ${url.origin} (${cause?.code ?? cause?.message ?? (error as Error).message}); check --cloud.`,
    );
  }
  const text = await response.text();
  let body: { results?: RowResult[] } & ErrorAnswer;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new CloudError(
      `The cloud at ${url.origin} did not answer as a Latchkey cloud (HTTP ${response.status}).`,
    );
  }
  if (response.status === 200 && body.results?.length === rows.length) return body.results;
  const error = body.error;
  if (!error) throw new CloudError(`The cloud answered HTTP ${response.status}.`);
  const hint = response.status === 401 ? ' Check --token or LATCHKEY_TOKEN.' : '';
  throw new CloudError(`${error.message} (${error.code}).${hint}`, error);
}

const outcomeOf = (result: RowResult) =>
  result.outcome ?? (result.error?.code === 'ALREADY_IN_THIS_SITE' ? 'already-here' : 'failed');

function resultsCsv(results: RowResult[]): string {
  const lines = results.map((r) =>
    [String(r.row), r.serialNumber, outcomeOf(r), r.error?.code ?? '', r.error?.message ?? '']
      .map(writeCsvField)
      .join(','),
  );
  return ['row,serialNumber,outcome,errorCode,message', ...lines].join('\r\n') + '\r\n';
}

/** The summary: counts, then each kind of failure with its message. */
function summarise(results: RowResult[], out: string): number {
  const count = (outcome: string) => results.filter((r) => outcomeOf(r) === outcome).length;
  const failed = count('failed');
  console.log(
    `Added ${count('added')}, moved ${count('moved')}, already in the site ${count('already-here')}, failed ${failed} (of ${results.length} rows).`,
  );
  const byCode = new Map<string, { message: string; rows: number }>();
  for (const r of results) {
    if (outcomeOf(r) !== 'failed' || !r.error) continue;
    const entry = byCode.get(r.error.code) ?? { message: r.error.message, rows: 0 };
    entry.rows += 1;
    byCode.set(r.error.code, entry);
  }
  for (const [code, { message, rows }] of byCode) console.log(`  ${rows} × ${code}: ${message}`);
  console.log(`Results: ${out}`);
  return failed > 0 ? 1 : 0;
}

function cloudUrl(value: string | undefined): URL {
  try {
    return new URL(value ?? 'http://127.0.0.1:8080');
  } catch {
    throw new UsageError(`--cloud must be a URL such as http://127.0.0.1:8080, got "${value}".`);
  }
}

export const claimCommand: Command = {
  name: 'claim',
  summary: 'Add the devices of a CSV file to a site.',
  usage,
  async run(argv) {
    const values = parseCommandArgs(argv, {
      csv: { type: 'string' },
      site: { type: 'string' },
      cloud: { type: 'string' },
      token: { type: 'string' },
      out: { type: 'string' },
      chunk: { type: 'string' },
    });
    if (!values.csv)
      throw new UsageError('--csv is required: the file of serial numbers and codes.');
    if (!values.site) throw new UsageError('--site is required: the id of the site to add to.');
    const token = values.token ?? process.env.LATCHKEY_TOKEN;
    if (!token) {
      throw new UsageError(
        'An API token is needed: --token T or the LATCHKEY_TOKEN environment variable.',
      );
    }
    const chunk = intOption(values.chunk, 'chunk', 500, { min: 1, max: MAX_BULK_ROWS });
    const base = cloudUrl(values.cloud);
    const out = values.out ?? defaultOut(values.csv);

    // The file is read here first, so a file that is not CSV, or too long, is not sent at all.
    const file = readBulkCsv(await readFile(values.csv, 'utf8'));
    if (!file.ok) {
      console.error(`${values.csv}: ${file.cause}`);
      return 1;
    }
    const url = new URL(`/api/sites/${encodeURIComponent(values.site)}/devices/bulk`, base);
    const progress = new ProgressBar('Adding', file.rows.length);
    const results: RowResult[] = [];
    try {
      for (let at = 0; at < file.rows.length; at += chunk) {
        const part = file.rows.slice(at, at + chunk);
        let answers: RowResult[];
        try {
          answers = await send(url, token, part);
        } catch (error) {
          // Nothing was added yet: the person fixes the token, site or address and runs again.
          if (at === 0 || !(error instanceof CloudError) || !error.answer) throw error;
          // A later part refused whole (the limit reached meanwhile): its rows say why.
          const refusal = error.answer;
          answers = part.map((row) => ({
            row: row.row,
            serialNumber: row.serialNumber,
            error: refusal,
          }));
        }
        // The cloud numbers the rows of the part; the file's own line numbers are kept.
        results.push(...answers.map((answer, i) => ({ ...answer, row: part[i]!.row })));
        progress.tick(part.length);
      }
    } finally {
      progress.finish();
    }
    await writeFile(out, resultsCsv(results));
    return summarise(results, out);
  },
};
