import { fail, ok, type Result } from './result.ts';

/**
 * Issue 19, remote configuration: an HTTP request to the device's own web interfaces carried
 * over the device link in parts, each one link message within MAX_MESSAGE_BYTES (16 KiB JSON).
 *
 * - cloud → device `http-request {stream, method, path, headers, bodyBytes}`: the request's
 *   head. The device answers it with several replies of the command's id: first
 *   `{part: 'head', status, headers, last}`, then `{part: 'data', seq, data, last}` until `last`.
 * - cloud → device `http-body {stream, seq, data, last}`: one part of the request's body,
 *   answered (acknowledged) once the device has written it on; the cloud keeps at most
 *   BODY_WINDOW parts unacknowledged (flow control).
 * - cloud → device `http-abort {stream}`: the browser went away or a bound was hit.
 */

/** Raw bytes per part: 11 KiB is 15,020 base64 characters, with room for the JSON around it. */
export const PART_BYTES = 11 * 1024;
/** Body parts the cloud may have sent and not yet seen acknowledged. */
export const BODY_WINDOW = 4;
/** The largest request body relayed: a 20 MiB firmware image passes with room to spare. */
export const MAX_RELAY_BODY_BYTES = 40 * 1024 * 1024;
/** Header lines of a head; with the head's 16 KiB this keeps a browser's usual headers. */
const MAX_HEADERS = 64;
const MAX_PATH = 4096;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RelayMethod = (typeof METHODS)[number];

/** Header lines in order, as [name, value]; names in lowercase. */
export type HeaderLines = [string, string][];

export interface HttpRequestArgs {
  stream: string;
  method: RelayMethod;
  /** The path and query on the device, starting with `/`. */
  path: string;
  headers: HeaderLines;
  bodyBytes: number;
}

export interface HttpBodyArgs {
  stream: string;
  seq: number;
  /** Base64 of at most PART_BYTES bytes. */
  data: string;
  last: boolean;
}

export type HttpAnswerPart =
  | { part: 'head'; status: number; headers: HeaderLines; last: boolean }
  | { part: 'data'; seq: number; data: string; last: boolean };

const isStream = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(value);
const isSeq = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isPartData = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= Math.ceil(PART_BYTES / 3) * 4 && BASE64.test(value);

function headerLines(value: unknown): Result<HeaderLines> {
  if (!Array.isArray(value) || value.length > MAX_HEADERS) return fail('headers must be a list');
  const lines: HeaderLines = [];
  for (const line of value as unknown[]) {
    if (
      !Array.isArray(line) ||
      line.length !== 2 ||
      typeof line[0] !== 'string' ||
      typeof line[1] !== 'string' ||
      // RFC 9110 §5.1 token, and no line breaks in a value (§5.5).
      !/^[!#$%&'*+.^_`|~0-9a-z-]{1,100}$/.test(line[0]) ||
      /[\r\n\0]/.test(line[1])
    ) {
      return fail('every header must be [lowercase name, value]');
    }
    lines.push([line[0], line[1]]);
  }
  return ok(lines);
}

export function parseHttpRequestArgs(args: Record<string, unknown>): Result<HttpRequestArgs> {
  const { stream, method, path, headers, bodyBytes } = args;
  if (!isStream(stream)) return fail('http-request needs a stream id');
  if (!METHODS.includes(method as RelayMethod)) return fail('http-request needs a method');
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    return fail('http-request needs a path starting with one /');
  }
  if (path.length > MAX_PATH || /[\s\0]/.test(path)) return fail('http-request path is not valid');
  if (!isSeq(bodyBytes) || bodyBytes > MAX_RELAY_BODY_BYTES) {
    return fail('http-request bodyBytes is out of bounds');
  }
  const lines = headerLines(headers);
  if (!lines.ok) return lines;
  return ok({ stream, method: method as RelayMethod, path, headers: lines.value, bodyBytes });
}

export function parseHttpBodyArgs(args: Record<string, unknown>): Result<HttpBodyArgs> {
  const { stream, seq, data, last } = args;
  if (!isStream(stream)) return fail('http-body needs a stream id');
  if (!isSeq(seq)) return fail('http-body needs a seq');
  if (!isPartData(data)) return fail('http-body data must be base64 of at most 11 KiB');
  if (typeof last !== 'boolean') return fail('http-body needs last');
  return ok({ stream, seq, data, last });
}

export function parseHttpAbortArgs(args: Record<string, unknown>): Result<{ stream: string }> {
  return isStream(args.stream) ? ok({ stream: args.stream }) : fail('http-abort needs a stream');
}

/** One reply's result to an `http-request`: the answer's head or one of its data parts. */
export function parseHttpAnswerPart(
  result: Record<string, unknown> | undefined,
): Result<HttpAnswerPart> {
  if (!result) return fail('answer part missing');
  const { part, status, headers, seq, data, last } = result;
  if (typeof last !== 'boolean') return fail('answer part needs last');
  if (part === 'head') {
    if (!isSeq(status) || status < 100 || status > 599) return fail('answer head needs a status');
    const lines = headerLines(headers);
    if (!lines.ok) return lines;
    return ok({ part, status, headers: lines.value, last });
  }
  if (part === 'data') {
    if (!isSeq(seq)) return fail('answer data needs a seq');
    if (!isPartData(data)) return fail('answer data must be base64 of at most 11 KiB');
    return ok({ part, seq, data, last });
  }
  return fail('answer part must be head or data');
}
