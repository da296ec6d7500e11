import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { MAX_RESIDENTS_PER_SITE } from '../core/building.model.ts';
import { MAX_IMPORT_BYTES, readImportFile } from '../core/residents-import.rules.ts';
import { UsageError, type Command } from './command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: latchkey residents import FILE --site ID [options]

Imports the residents of a CSV file into a site of the cloud (README "Buildings"). The file's
first line names its columns: apartment, floor, name, email, pin, cards, validFrom, validTo,
enabled, access, callTarget (apartment and name are required). The cloud applies the file whole,
or nothing when any row has an error; every error is printed with its row.

Options:
  --site ID       The site to import into (its id, as in the portal's address)
  --cloud URL     The cloud's base URL (default http://127.0.0.1:8080)
  --token T       An API token (POST /api/tokens, or the portal's account page); default
                  the LATCHKEY_TOKEN environment variable
  --dry-run       Only check the file: print what would change, change nothing
  -h, --help      Show this help

Exit status: 0 imported (or a dry run without errors), 1 errors, 2 wrong usage.`;

interface RowAnswer {
  row: number;
  outcome: 'create' | 'update' | 'error';
  errors?: { field: string; message: string }[];
}

interface ImportAnswer {
  dryRun: boolean;
  rows: RowAnswer[];
  created: number;
  updated: number;
  errors: number;
}

interface ErrorAnswer {
  error?: {
    code: string;
    message: string;
    hints?: string[];
    fields?: { field: string; message: string }[];
  };
  rows?: RowAnswer[];
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        site: { type: 'string' },
        cloud: { type: 'string' },
        token: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** POSTs the file in chunks, drawing the upload (the part of the work with a size) as it goes. */
function upload(url: URL, token: string, body: Buffer): Promise<{ status: number; text: string }> {
  const progress = new ProgressBar('Uploading', body.length);
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'text/csv; charset=utf-8',
          'content-length': String(body.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    const CHUNK = 64 * 1024;
    for (let at = 0; at < body.length; at += CHUNK) {
      request.write(body.subarray(at, at + CHUNK));
      progress.tick(Math.min(CHUNK, body.length - at));
    }
    if (body.length === 0) progress.tick(0);
    progress.finish();
    request.end();
  });
}

function printRowErrors(rows: RowAnswer[]) {
  for (const row of rows.filter((r) => r.outcome === 'error')) {
    for (const error of row.errors ?? []) {
      console.error(`  row ${row.row}, ${error.field}: ${error.message}`);
    }
  }
}

function report(status: number, answer: ImportAnswer & ErrorAnswer, dryRun: boolean): number {
  if (status === 200) {
    const verb = dryRun ? 'Dry run, nothing changed: would create' : 'Imported: created';
    console.log(
      `${verb} ${answer.created}, ${dryRun ? 'update' : 'updated'} ${answer.updated} resident(s).`,
    );
    if (answer.errors === 0) return 0;
    console.error(`${answer.errors} row(s) have errors:`);
    printRowErrors(answer.rows);
    return 1;
  }
  const error = answer.error;
  console.error(error ? `${error.message} (${error.code})` : `The cloud answered HTTP ${status}.`);
  if (answer.rows) printRowErrors(answer.rows);
  for (const field of error?.fields ?? []) console.error(`  ${field.field}: ${field.message}`);
  for (const hint of error?.hints ?? []) console.error(`  ${hint}`);
  return 1;
}

export const residentsCommand: Command = {
  name: 'residents',
  summary: 'Import residents from a CSV file.',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv);
    const [action, file, ...extra] = positionals;
    if (action !== 'import')
      throw new UsageError(
        'The only action is "import", e.g. latchkey residents import residents.csv --site ID.',
      );
    if (file === undefined)
      throw new UsageError(
        'Name the CSV file, e.g. latchkey residents import residents.csv --site ID.',
      );
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    if (!values.site)
      throw new UsageError('--site is required: the id of the site to import into.');
    const token = values.token ?? process.env.LATCHKEY_TOKEN;
    if (!token)
      throw new UsageError(
        'An API token is needed: --token T or the LATCHKEY_TOKEN environment variable.',
      );
    let base: URL;
    try {
      base = new URL(values.cloud ?? 'http://127.0.0.1:8080');
    } catch {
      throw new UsageError(
        `--cloud must be a URL such as http://127.0.0.1:8080, got "${values.cloud}".`,
      );
    }
    const body = await readFile(file);
    if (body.length > MAX_IMPORT_BYTES) {
      console.error(
        `${file}: the file is larger than a residents import takes (2 MiB, 2,000 residents).`,
      );
      return 1;
    }
    // The file's shape is checked here first, so a wrong file is not sent at all.
    const local = readImportFile(body.toString('utf8'), MAX_RESIDENTS_PER_SITE);
    if (!local.ok) {
      for (const error of local.fields) console.error(`${file}: ${error.message}`);
      return 1;
    }
    const dryRun = values['dry-run'] === true;
    const url = new URL(
      `/api/sites/${encodeURIComponent(values.site)}/residents/import${dryRun ? '?dryRun=true' : ''}`,
      base,
    );
    const answer = await upload(url, token, body);
    let parsed: ImportAnswer & ErrorAnswer;
    try {
      parsed = JSON.parse(answer.text) as ImportAnswer & ErrorAnswer;
    } catch {
      console.error(
        `The cloud at ${base.origin} did not answer as a Latchkey cloud (HTTP ${answer.status}).`,
      );
      return 1;
    }
    return report(answer.status, parsed, dryRun);
  },
};
