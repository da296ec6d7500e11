import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isForbiddenAddress } from './webhook-url.ts';

export interface WebhookAttempt {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** How much of the answer is read; the rest is dropped (a receiver cannot fill memory). */
  maxAnswerBytes: number;
  allowInsecure: boolean;
  /** Aborted when the node shuts down: the attempt ends as failed, and is retried. */
  signal?: AbortSignal;
}

/** What one attempt came to: an HTTP status, or why there was none. */
export type WebhookAttemptResult =
  { status: number; error: null } | { status: null; error: string };

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * Resolves as Node does, and refuses forbidden addresses at connect time, so a name that
 * resolved to a public address when the endpoint was saved cannot be pointed inside later
 * (DNS rebinding).
 */
function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const bad = addresses.find((entry) => isForbiddenAddress(entry.address));
    if (bad) {
      const refused = Object.assign(new Error(`address ${bad.address} is not allowed`), {
        code: 'EWEBHOOKFORBIDDEN',
      });
      return callback(refused, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

/**
 * One POST of a delivery. Redirects are not followed (a 3xx is a failed attempt), the whole
 * attempt is bounded by `timeoutMs`, and at most `maxAnswerBytes` of the answer are read.
 */
export function sendWebhook(attempt: WebhookAttempt): Promise<WebhookAttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: WebhookAttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const url = new URL(attempt.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...attempt.headers, 'Content-Length': Buffer.byteLength(attempt.body) },
        ...(attempt.allowInsecure ? {} : { lookup: guardedLookup }),
        ...(attempt.signal ? { signal: attempt.signal } : {}),
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > attempt.maxAnswerBytes) response.destroy();
        });
        const status = response.statusCode ?? 0;
        response.on('end', () => done({ status, error: null }));
        response.on('close', () => done({ status, error: null }));
        response.on('error', () => done({ status, error: null }));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      done({ status: null, error: `no answer within ${attempt.timeoutMs} ms` });
    }, attempt.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      done({ status: null, error: error.code ?? error.message }),
    );
    request.end(attempt.body);
  });
}
