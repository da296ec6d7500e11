import { createHash, randomBytes, randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  startDevice,
  type RunningDevice,
  type StartDeviceOptions,
} from '../../src/device/device.server.ts';

export interface TestIdentity {
  serialNumber: string;
  model: string;
  macAddress: string;
  secret: string;
}

/** A fresh identity as `latchkey mint` would write it: random serial and 32-byte secret. */
export function makeIdentity(overrides: Partial<TestIdentity> = {}): TestIdentity {
  const digits = String(randomInt(0, 10_000_000_000)).padStart(10, '0');
  const mac = randomBytes(3).toString('hex').toUpperCase().match(/../g)!.join(':');
  return {
    serialNumber: `${digits.slice(0, 2)}-${digits.slice(2, 6)}-${digits.slice(6)}`,
    model: '2N IP Verso',
    macAddress: `7C:1E:B3:${mac}`,
    secret: randomBytes(32).toString('hex'),
    ...overrides,
  };
}

export async function tempDir(t: TestContext, prefix = 'latchkey-device-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeIdentity(dir: string, identity: TestIdentity): Promise<string> {
  const file = join(dir, 'identity.json');
  await writeFile(file, JSON.stringify(identity), { mode: 0o600 });
  return file;
}

/** Starts a device on a free port in a temp folder; closed after the test. */
export async function startTestDevice(
  t: TestContext,
  options: Partial<StartDeviceOptions> & { identity?: TestIdentity } = {},
): Promise<RunningDevice & { identity: TestIdentity; dataDir: string; identityFile: string }> {
  const dir = await tempDir(t);
  const identity = options.identity ?? makeIdentity();
  const identityFile = await writeIdentity(dir, identity);
  const dataDir = options.dataDir ?? join(dir, 'data');
  const running = await startDevice({
    ...options,
    identityFile,
    dataDir,
    port: 0,
    host: '127.0.0.1',
  });
  t.after(() => running.close());
  return { ...running, identity, dataDir, identityFile };
}

/** A logged-in web administration session (cookie + CSRF token). */
export class AdminClient {
  cookie = '';
  csrfToken = '';
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async login(password: string, username = 'admin') {
    const response = await fetch(`${this.url}/admin/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = (await response.json()) as {
      csrfToken?: string;
      mustChangePassword?: boolean;
      error?: { code: string; message: string };
    };
    if (response.ok) {
      this.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
      this.csrfToken = body.csrfToken!;
    }
    return { status: response.status, body };
  }

  async request(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { cookie: this.cookie, 'x-csrf-token': this.csrfToken };
    let payload: RequestInit['body'];
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return fetch(`${this.url}${path}`, { method, headers, body: payload });
  }

  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }
}

/** Logs in with admin/2n and sets `password`, as an installer does on a new unit. */
export async function adminWithPassword(
  url: string,
  password = 'installer-pass-1',
): Promise<AdminClient> {
  const admin = new AdminClient(url);
  await admin.login('2n');
  const changed = await admin.request('POST', '/admin/api/password', {
    currentPassword: '2n',
    newPassword: password,
  });
  if (changed.status !== 204)
    throw new Error(`password change failed: ${changed.status} ${await changed.text()}`);
  return admin;
}

export const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** Computes an RFC 7616 MD5 / qop=auth answer for a `WWW-Authenticate: Digest …` challenge. */
export function digestHeader(
  challenge: string,
  options: {
    username: string;
    password: string;
    method: string;
    uri: string;
    nc?: number;
    cnonce?: string;
  },
): string {
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1]!, m[2] ?? m[3]!]),
  );
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = options.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = md5(`${options.username}:${params.realm}:${options.password}`);
  const ha2 = md5(`${options.method}:${options.uri}`);
  const response = md5(`${ha1}:${params.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${options.username}", realm="${params.realm}", nonce="${params.nonce}", uri="${options.uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

export function digestChallenge(response: Response): string {
  const header = response.headers.get('www-authenticate') ?? '';
  const digest = header.split(/,\s*(?=Basic|Digest)/).find((part) => part.startsWith('Digest'));
  if (!digest) throw new Error(`no Digest challenge in "${header}"`);
  return digest;
}

/** Fetches with Digest authentication: first request gets the challenge, second answers it. */
export async function digestFetch(
  url: string,
  username: string,
  password: string,
  init: RequestInit = {},
) {
  const first = await fetch(url, init);
  if (first.status !== 401) return first;
  await first.arrayBuffer();
  const target = new URL(url);
  const authorization = digestHeader(digestChallenge(first), {
    username,
    password,
    method: init.method ?? 'GET',
    uri: target.pathname + target.search,
  });
  return fetch(url, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization },
  });
}

export type Envelope<T = Record<string, unknown>> =
  | { success: true; result?: T }
  | { success: false; error: { code: number; param?: string; description: string; hint?: string } };

/** The resident memory of a process in KiB (Linux: VmRSS of /proc/<pid>/status). */
export async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

/**
 * Runs `latchkey device` as its own process on a free port with an HTTP API account, so that its
 * memory can be read; it is killed when the test ends.
 */
export async function startDeviceProcess(t: TestContext, apiAccount: string) {
  const dir = await tempDir(t);
  const identityFile = await writeIdentity(dir, makeIdentity());
  const bin = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [bin, 'device', '--identity', identityFile, '--port', '0', '--api-account', apiAccount],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  for (let i = 0; i < 200 && !/running at http/.test(stdout); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
  return { url, pid: child.pid!, dataDir: join(dir, 'data') };
}
