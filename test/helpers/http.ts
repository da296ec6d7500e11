/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read loosely in tests, their shape is asserted */
import assert from 'node:assert/strict';
import http from 'node:http';

/** An answer of the cloud: status, headers, the raw text and the JSON body (when it is JSON). */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is (for malformed or oversized bodies); set the content type in `headers`. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * The X-CSRF-Token header of a cookie-authenticated request: the session's token by default,
   * a given string, or false to leave it out.
   */
  csrf?: boolean | string;
}

export interface ApiClientOptions {
  /** Source address of the connections (e.g. 127.0.0.2), to be a different client IP. */
  localAddress?: string;
  bearer?: string;
}

const SESSION_COOKIE = 'latchkey_session';

/**
 * A small HTTP client for the cloud API over real sockets: keeps the session cookie like a
 * browser, sends the CSRF token on unsafe requests, or authenticates with a Bearer token.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly localAddress: string | undefined;
  bearer: string | undefined;
  /** The session cookie value, as the server set it. */
  session: string | undefined;
  csrfToken: string | undefined;
  /** Sent as X-Company-Id on every request when set (the current company, issue 16). */
  companyId: string | undefined;

  constructor(baseUrl: string, options: ApiClientOptions = {}) {
    this.baseUrl = baseUrl;
    this.localAddress = options.localAddress;
    this.bearer = options.bearer;
  }

  /** Another client for the same person (same session), e.g. from another address. */
  clone(options: ApiClientOptions = {}): ApiClient {
    const copy = new ApiClient(this.baseUrl, {
      localAddress: options.localAddress ?? this.localAddress,
      bearer: options.bearer ?? this.bearer,
    });
    copy.session = this.session;
    copy.csrfToken = this.csrfToken;
    copy.companyId = this.companyId;
    return copy;
  }

  get = <T = any>(path: string, options?: RequestOptions) => this.request<T>('GET', path, options);
  post = <T = any>(path: string, json?: unknown, options?: RequestOptions) =>
    this.request<T>('POST', path, { ...options, ...(json === undefined ? {} : { json }) });
  patch = <T = any>(path: string, json?: unknown, options?: RequestOptions) =>
    this.request<T>('PATCH', path, { ...options, ...(json === undefined ? {} : { json }) });
  delete = <T = any>(path: string, options?: RequestOptions) =>
    this.request<T>('DELETE', path, options);

  async request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (this.bearer !== undefined) headers.authorization = `Bearer ${this.bearer}`;
    if (this.session !== undefined) headers.cookie = `${SESSION_COOKIE}=${this.session}`;
    if (this.companyId !== undefined) headers['x-company-id'] = this.companyId;
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    const csrf = options.csrf ?? true;
    if (unsafe && csrf !== false) {
      const token = typeof csrf === 'string' ? csrf : this.csrfToken;
      if (token !== undefined) headers['x-csrf-token'] = token;
    }
    Object.assign(headers, options.headers);

    const { status, responseHeaders, text } =
      this.localAddress === undefined
        ? await viaFetch(this.baseUrl + path, method, headers, body)
        : await viaNodeHttp(this.baseUrl + path, method, headers, body, this.localAddress);

    for (const cookie of responseHeaders.getSetCookie()) this.takeCookie(cookie);
    let parsed: unknown = undefined;
    if ((responseHeaders.get('content-type') ?? '').includes('json') && text !== '') {
      parsed = JSON.parse(text);
    }
    const answer = { status, headers: responseHeaders, text, body: parsed as T };
    const csrfToken = (parsed as { csrfToken?: unknown } | undefined)?.csrfToken;
    if (status < 300 && typeof csrfToken === 'string') this.csrfToken = csrfToken;
    return answer;
  }

  private takeCookie(setCookie: string) {
    const [pair, ...attributes] = setCookie.split(';');
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq).trim() !== SESSION_COOKIE) return;
    const value = decodeURIComponent(pair!.slice(eq + 1).trim());
    const expires = attributes
      .map((a) => a.trim())
      .find((a) => a.toLowerCase().startsWith('expires='));
    const expired = expires !== undefined && new Date(expires.slice(8)).getTime() <= Date.now();
    this.session = value === '' || expired ? undefined : value;
  }
}

async function viaFetch(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
) {
  const response = await fetch(url, { method, headers, body: body ?? null });
  return {
    status: response.status,
    responseHeaders: response.headers,
    text: await response.text(),
  };
}

/** node:http, for what fetch cannot do: choosing the source address of the connection. */
function viaNodeHttp(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  localAddress: string,
): Promise<{ status: number; responseHeaders: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, headers, localAddress, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const v of Array.isArray(value) ? value : [value ?? '']) {
              responseHeaders.append(name, v);
            }
          }
          resolve({
            status: response.statusCode ?? 0,
            responseHeaders,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Every field of a DESIGN.md error body, and nothing of the server's insides. */
export function assertErrorBody(response: ApiResponse, status: number, code: string): void {
  assert.equal(
    response.status,
    status,
    `expected ${status} ${code}, got ${response.status}: ${response.text}`,
  );
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = response.body as { error?: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ['error']);
  const error = body.error!;
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.ok((error.message as string).length > 0, 'message is a sentence');
  assert.equal(typeof error.cause, 'string');
  assert.ok((error.cause as string).length > 0, 'cause is a sentence');
  assert.ok(Array.isArray(error.hints), 'hints is a list');
  for (const hint of error.hints as unknown[]) assert.equal(typeof hint, 'string');
  const allowed = new Set(['code', 'message', 'cause', 'hints', 'fields']);
  for (const key of Object.keys(error)) assert.ok(allowed.has(key), `unexpected key ${key}`);
  if (error.fields !== undefined) {
    assert.ok(Array.isArray(error.fields));
    for (const field of error.fields as Record<string, unknown>[]) {
      assert.equal(typeof field.field, 'string');
      assert.equal(typeof field.message, 'string');
    }
  }
  assertNoInternals(response);
}

/** No stack trace, source path, SQL or driver message in an answer. */
export function assertNoInternals(response: ApiResponse): void {
  for (const pattern of [
    /\bat [\w.<>]+ \(/,
    /\.ts:\d+/,
    /node_modules/,
    /\bstack\b/i,
    /\bselect\b.+\bfrom\b/i,
    /\binsert into\b/i,
    /sqlite/i,
    /postgres/i,
    /FST_ERR/,
  ]) {
    assert.doesNotMatch(response.text, pattern, `the answer shows internals: ${response.text}`);
  }
}

/** The field names of a VALIDATION_FAILED answer. */
export function errorFields(response: ApiResponse): string[] {
  const fields = (response.body as { error?: { fields?: { field: string }[] } }).error?.fields;
  return (fields ?? []).map((f) => f.field);
}
