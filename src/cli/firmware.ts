import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_FIRMWARE_BYTES } from '../core/firmware.format.ts';
import { LatchkeyError } from '../core/errors.ts';
import { UsageError, type Command } from './command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: latchkey firmware add FILE [options]

Adds a firmware image to the catalogue (issue 19), from which companies roll it out to their
devices. The image is checked (its LATCHKEY-FW/1 header names the model and version; at most
32 MiB) and stored once per SHA-256 digest.

Where it goes:
  --data DIR        The operator's catalogue, on the cloud's own data folder (default ./data):
                    the image is offered to every company
  --database URL    The same on PostgreSQL (postgres://…); needs LATCHKEY_MASTER_KEY or --data
                    with the cloud's master.key, as "latchkey mint" does
  --cloud URL       Upload over HTTP into your company's own catalogue (company admins, and only
                    when the cloud runs with --firmware-uploads); shows a progress bar
  --token T         The API token for --cloud; default the LATCHKEY_TOKEN environment variable

Options:
  --json            Print the catalogue entry as JSON
  -h, --help        Show this help

Exit status: 0 added (or already in the catalogue); 1 refused or the cloud could not be
reached; 2 wrong usage.`;

interface Entry {
  id: string;
  model: string;
  version: string;
  sha256: string;
  bytes: number;
  scope: string;
}

interface ErrorAnswer {
  error?: { code: string; message: string; cause?: string; hints?: string[] };
}

/** The cloud's refusal as one paragraph: what, why and what to do. */
const refusal = (error: NonNullable<ErrorAnswer['error']>, status: number) =>
  [
    `${error.message} (${error.code}).`,
    error.cause ?? '',
    ...(error.hints ?? []),
    status === 401 ? 'Check --token or LATCHKEY_TOKEN.' : '',
  ]
    .filter((line) => line !== '')
    .join('\n  ');

/** POSTs the bytes in parts so that the bar moves as the upload goes (node:http, not fetch). */
function upload(
  url: URL,
  token: string,
  content: Buffer,
): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const bar = new ProgressBar('Uploading', content.length);
  const part = 256 * 1024;
  return new Promise((done, fail) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': content.length,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          bar.finish();
          done({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        new Error(
          `Cannot reach the cloud at ${url.origin} (${error.code ?? error.message}); check --cloud.`,
        ),
      ),
    );
    const write = (at: number): void => {
      if (at >= content.length) {
        request.end();
        return;
      }
      const next = Math.min(content.length, at + part);
      // A refused upload is answered before the body is read: stop sending once it is.
      if (request.destroyed) return;
      request.write(content.subarray(at, next), () => {
        bar.tick(next - at);
        write(next);
      });
    };
    write(0);
  });
}

async function addOverHttp(cloud: string, token: string, file: string, content: Buffer) {
  let url: URL;
  try {
    url = new URL('/api/firmware', cloud);
  } catch {
    throw new UsageError(`--cloud must be a URL such as http://127.0.0.1:8080, got "${cloud}".`);
  }
  url.searchParams.set('filename', basename(file));
  const { status, text } = await upload(url, token, content);
  let body: Entry & ErrorAnswer;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(
      `The cloud at ${url.origin} did not answer as a Latchkey cloud (HTTP ${status}).`,
    );
  }
  if (body.error) throw new Error(refusal(body.error, status));
  return { created: status === 201, image: body };
}

async function addToStore(
  args: { data?: string | undefined; database?: string | undefined },
  file: string,
  content: Buffer,
) {
  const { openCloud } = await import('../cloud/cloud.ts');
  const { store, services } = await openCloud({
    dataDir: resolve(args.data ?? 'data'),
    databaseUrl: args.database,
  });
  try {
    return await services.firmware.add('operator', { filename: basename(file), content });
  } catch (error) {
    if (error instanceof LatchkeyError) {
      throw new Error(
        `${error.message} (${error.code}).\n  ${error.explanation}\n  ${error.hints.join('\n  ')}`,
      );
    }
    throw error;
  } finally {
    await store.close();
  }
}

async function readImage(file: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new UsageError(`There is no file "${file}".`);
  }
  if (size > MAX_FIRMWARE_BYTES) {
    throw new Error(`"${file}" has ${size} bytes; a firmware image may be at most 32 MiB.`);
  }
  return readFile(file);
}

export const firmwareCommand: Command = {
  name: 'firmware',
  summary: 'Add a firmware image to the catalogue.',
  usage,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          cloud: { type: 'string' },
          token: { type: 'string' },
          data: { type: 'string' },
          database: { type: 'string' },
          json: { type: 'boolean' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
    }
    const { values: args, positionals } = parsed;
    const [action, file, ...extra] = positionals;
    if (action !== 'add') throw new UsageError('Say what to do: latchkey firmware add FILE.');
    if (file === undefined || extra.length > 0) {
      throw new UsageError('Give exactly one image file: latchkey firmware add FILE.');
    }
    if (args.cloud !== undefined && (args.data !== undefined || args.database !== undefined)) {
      throw new UsageError('Use --cloud, or --data/--database, not both.');
    }
    if (
      args.database !== undefined &&
      args.data === undefined &&
      !process.env.LATCHKEY_MASTER_KEY
    ) {
      throw new UsageError(
        'With --database, firmware add needs the master key of the cloud: set LATCHKEY_MASTER_KEY to the key every node uses, or give --data with the folder holding its master.key. Nothing was added.',
      );
    }
    const token = args.token ?? process.env.LATCHKEY_TOKEN;
    if (args.cloud !== undefined && !token) {
      throw new UsageError('With --cloud, give an API token: --token T or LATCHKEY_TOKEN.');
    }
    const content = await readImage(file);
    const { created, image } =
      args.cloud !== undefined
        ? await addOverHttp(args.cloud, token!, file, content)
        : await addToStore(args, file, content);
    if (args.json) {
      console.log(JSON.stringify({ created, ...image }, null, 2));
      return 0;
    }
    console.log(created ? 'Added to the catalogue:' : 'Already in the catalogue:');
    console.log(`  id       ${image.id}`);
    console.log(`  model    ${image.model}`);
    console.log(`  version  ${image.version}`);
    console.log(`  sha256   ${image.sha256}`);
    console.log(`  scope    ${image.scope}`);
    return 0;
  },
};
