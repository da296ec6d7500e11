import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { bareHost, isForbiddenAddress } from './webhook-url.ts';

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
 * Why a stored URL may not be sent to now, or null. The URL was checked when it was saved, but
 * perhaps under --webhooks-allow-insecure, which the operator has since turned off: its
 * endpoints must then fall under the rules again. A host name is checked as it resolves
 * (guardedLookup); an address literal never reaches a lookup, so it is checked here.
 */
function refusedAtSend(url: URL): string | null {
  if (url.protocol !== 'https:') return 'EWEBHOOKINSECURE';
  const host = bareHost(url.hostname);
  return isIP(host) !== 0 && isForbiddenAddress(host) ? 'EWEBHOOKFORBIDDEN' : null;
}

/**
 * One POST of a delivery. Redirects are not followed (a 3xx is a failed attempt), the whole
 * attempt is bounded by `timeoutMs`, and at most `maxAnswerBytes` of the answer are read.
 */
export function sendWebhook(attempt: WebhookAttempt): Promise<WebhookAttemptResult> {
  const url = new URL(attempt.url);
  const refused = attempt.allowInsecure ? null : refusedAtSend(url);
  if (refused) return Promise.resolve({ status: null, error: refused });
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: WebhookAttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
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
