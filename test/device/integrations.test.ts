import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { test, type TestContext } from 'node:test';
import { AdminClient, basic, startTestDevice } from './helpers.ts';

// Public integrations of the 2N HTTP API, replayed against a real emulated device over real
// HTTP(S): the same methods, paths, parameter names and encodings, the same authentication
// (and Digest variant) each sends, and checks on exactly the answer fields each one reads.
// Each library was read, not copied: the comments name the call each request reproduces.

const USER = 'integrator';
const PASS = 'api-pass-1';
const ADMIN_PASSWORD = 'installer-pass-1';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every value of each header, as a client that reads the first of several sees them. */
  distinct: Record<string, string[]>;
  body: Buffer;
}

interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Resolve once this many body bytes have arrived and close (an endless MJPEG stream). */
  stopAfter?: number;
}

/** One request over HTTP or over HTTPS with the device's self-signed certificate accepted. */
function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        rejectUnauthorized: false,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let length = 0;
        const done = () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            distinct: response.headersDistinct as Record<string, string[]>,
            body: Buffer.concat(chunks),
          });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          length += chunk.length;
          if (options.stopAfter && length >= options.stopAfter) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

interface ApiReply {
  status: number;
  contentType: string;
  envelope: { success: boolean; result?: Record<string, unknown>; error?: { code: number } };
}

function parseEnvelope(reply: Reply): ApiReply {
  return {
    status: reply.status,
    contentType: String(reply.headers['content-type'] ?? ''),
    envelope: JSON.parse(reply.body.toString('utf8')) as ApiReply['envelope'],
  };
}

async function startDevice(t: TestContext) {
  const running = await startTestDevice(t, {
    httpsPort: 0,
    apiAccounts: [{ username: USER, password: PASS }],
    adminPassword: ADMIN_PASSWORD,
  });
  assert.ok(running.httpsUrl);
  return { ...running, httpsUrl: running.httpsUrl };
}

/**
 * A device with the factory HTTP API services (HTTPS only, as shipped) and one account made in
 * the administration with only the privileges the integration's setup guide asks for.
 */
async function startFactoryDevice(t: TestContext, privileges: string[]) {
  const running = await startTestDevice(t, { httpsPort: 0, adminPassword: ADMIN_PASSWORD });
  assert.ok(running.httpsUrl);
  const admin = new AdminClient(running.url);
  await admin.login(ADMIN_PASSWORD);
  const created = await admin.request('PUT', '/admin/api/http-api/accounts/1', {
    username: USER,
    password: PASS,
    privileges,
  });
  assert.ok(created.ok, `${created.status} ${await created.text()}`);
  return { ...running, httpsUrl: running.httpsUrl };
}

const isString = (value: unknown) => typeof value === 'string';
const isInt = (value: unknown) => Number.isInteger(value);
const isBool = (value: unknown) => typeof value === 'boolean';

// ---------------------------------------------------------------------------------------------
// genka13/py2n-intercom (Python, aiohttp; py2n_intercom/client.py): HTTPS, Digest by default.
// Its Digest client (client.py `_DigestState.build_authorization`):
// - every request goes out first without credentials, the 401 answer's first WWW-Authenticate
//   header (aiohttp `headers.get`) is the challenge, parsed by splitting on commas;
// - the `uri` it hashes and sends is the URL it was given *before* aiohttp adds `params`, so the
//   path without its query string, while the request line carries the query;
// - `algorithm` is echoed unquoted as the challenge gave it, `qop=auth`, `nc` counted per nonce.
// ---------------------------------------------------------------------------------------------

function genka13Hash(algorithm: string) {
  const upper = algorithm.toUpperCase();
  const name = upper.startsWith('SHA-256')
    ? 'sha256'
    : upper.startsWith('SHA-512')
      ? 'sha512'
      : 'md5';
  return (text: string) => createHash(name).update(text, 'utf8').digest('hex');
}

function genka13Challenge(header: string): Record<string, string> {
  const from = header.indexOf('Digest');
  const out: Record<string, string> = {};
  for (const part of header.slice(from + 'Digest'.length).split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    out[part.slice(0, at).trim().toLowerCase()] = part
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return out;
}

class Genka13Client {
  readonly base: string;
  private readonly counts = new Map<string, number>();
  constructor(base: string) {
    this.base = base;
  }

  private authorization(method: string, path: string, challenge: Record<string, string>) {
    const algorithm = challenge.algorithm ?? 'MD5';
    const h = genka13Hash(algorithm);
    const nc = (this.counts.get(challenge.nonce!) ?? 0) + 1;
    this.counts.set(challenge.nonce!, nc);
    const ncHex = nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const ha1 = h(`${USER}:${challenge.realm}:${PASS}`);
    const ha2 = h(`${method}:${path}`);
    const response = h(`${ha1}:${challenge.nonce}:${ncHex}:${cnonce}:auth:${ha2}`);
    const opaque = challenge.opaque ? `, opaque="${challenge.opaque}"` : '';
    return (
      `Digest username="${USER}", realm="${challenge.realm}", nonce="${challenge.nonce}", ` +
      `uri="${path}", response="${response}", algorithm=${algorithm}${opaque}, qop=auth, ` +
      `nc=${ncHex}, cnonce="${cnonce}"`
    );
  }

  /** client.py `_request`: unauthenticated first, then the Digest answer to the 401. */
  async raw(path: string, params: Record<string, string | number> = {}, stopAfter?: number) {
    // aiohttp/yarl percent-encode the query but leave sub-delimiters such as "," alone.
    const query = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    )
      .toString()
      .replace(/%2C/gi, ',');
    const url = `${this.base}${path}${query ? `?${query}` : ''}`;
    const first = await send(url, { stopAfter });
    if (first.status !== 401) return first;
    const challenge = genka13Challenge(first.distinct['www-authenticate']?.[0] ?? '');
    return send(url, {
      headers: { authorization: this.authorization('GET', path, challenge) },
      stopAfter,
    });
  }

  /** The JSON answer, refused unless `success` is true (client.py `_request`, want="json"). */
  async json(path: string, params: Record<string, string | number> = {}) {
    const reply = await this.raw(path, params);
    assert.ok(reply.status < 400, `${path}: HTTP ${reply.status} ${reply.body.toString()}`);
    const { envelope } = parseEnvelope(reply);
    assert.equal(envelope.success, true, `${path}: ${JSON.stringify(envelope)}`);
    return envelope.result ?? {};
  }
}

test('genka13/py2n-intercom: HTTPS with Digest over the path without its query, every call', async (t) => {
  // Factory services, and an account with the camera and switch privileges it needs.
  const { httpsUrl, url } = await startFactoryDevice(t, [
    'camera.monitor',
    'switch.monitor',
    'switch.control',
  ]);
  // Plain HTTP stays refused (error 7), as on a new intercom; the library defaults to HTTPS.
  const plain = parseEnvelope(await send(`${url}/api/system/info`));
  assert.equal(plain.envelope.error?.code, 7);
  const client = new Genka13Client(httpsUrl);

  // async_get_device_info: GET /api/system/info, reads these as strings.
  const info = await client.json('/api/system/info');
  for (const field of [
    'deviceName',
    'variant',
    'serialNumber',
    'macAddr',
    'swVersion',
    'hwVersion',
  ]) {
    assert.ok(isString(info[field]), `system/info ${field}: ${JSON.stringify(info)}`);
  }
  assert.equal(info.macAddr!.toString().replace(/[^0-9a-f]/gi, '').length, 12);

  // async_get_camera_caps: GET /api/camera/caps. It looks for `resolutions`, which the manual's
  // answer (§5.8.1) names `jpegResolution`, so it falls back to 640x480 and 1280x960: both
  // must be resolutions the device lists.
  const caps = await client.json('/api/camera/caps');
  const listed = caps.jpegResolution as Array<{ width: number; height: number }>;
  const [width, height] = [640, 480];
  for (const [w, h] of [
    [640, 480],
    [1280, 960],
  ]) {
    assert.ok(
      listed.some((r) => r.width === w && r.height === h),
      `${w}x${h}`,
    );
  }

  // async_get_snapshot: GET /api/camera/snapshot?width&height&source=internal, JPEG bytes.
  const snapshot = await client.raw('/api/camera/snapshot', { width, height, source: 'internal' });
  assert.equal(snapshot.status, 200);
  assert.equal(snapshot.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...snapshot.body.subarray(0, 2)], [0xff, 0xd8]);

  // async_open_snapshot_stream: the same with fps=10, read as multipart/x-mixed-replace.
  const stream = await client.raw(
    '/api/camera/snapshot',
    { width, height, source: 'internal', fps: 10 },
    4096,
  );
  assert.equal(stream.status, 200);
  assert.match(String(stream.headers['content-type']), /^multipart\/x-mixed-replace;\s*boundary=/);
  assert.match(stream.body.toString('latin1'), /Content-Type: image\/jpeg/i);

  // async_get_switch_caps / async_get_switch_status: result.switches, a list of objects.
  const switchCaps = await client.json('/api/switch/caps');
  assert.ok((switchCaps.switches as unknown[]).every((s) => typeof s === 'object'));
  const switchStatus = await client.json('/api/switch/status');
  assert.ok((switchStatus.switches as unknown[]).length > 0);

  // async_log_caps: result.events, a list of strings.
  const logCaps = await client.json('/api/log/caps');
  const events = logCaps.events as unknown[];
  assert.ok(events.every(isString) && events.includes('SwitchStateChanged'));

  // async_log_subscribe: include=new, duration=3600, filter joined with ",".
  const subscribed = await client.json('/api/log/subscribe', {
    include: 'new',
    duration: 3600,
    filter: 'SwitchStateChanged,CallStateChanged',
  });
  const id = Number(subscribed.id);
  assert.ok(Number.isInteger(id), JSON.stringify(subscribed));

  // async_trigger_switch: GET /api/switch/ctrl?switch=1&action=trigger.
  await client.json('/api/switch/ctrl', { switch: 1, action: 'trigger' });

  // async_log_pull: id and timeout; result.events, a list of objects.
  const pulled = await client.json('/api/log/pull', { id, timeout: 0 });
  const pulledEvents = pulled.events as Array<{ event: string; params: Record<string, unknown> }>;
  assert.ok(
    pulledEvents.some((e) => e.event === 'SwitchStateChanged'),
    JSON.stringify(pulled),
  );
  // Its long poll (timeout=20, HTTP timeout 30 s): answered as soon as an event arrives.
  const started = Date.now();
  const waiting = client.json('/api/log/pull', { id, timeout: 20 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await client.json('/api/switch/ctrl', { switch: 1, action: 'off' });
  const woken = (await waiting).events as Array<{ event: string }>;
  assert.ok(
    woken.some((e) => e.event === 'SwitchStateChanged'),
    JSON.stringify(woken),
  );
  assert.ok(Date.now() - started < 10_000);

  // async_log_unsubscribe: GET /api/log/unsubscribe?id.
  await client.json('/api/log/unsubscribe', { id });
});

// ---------------------------------------------------------------------------------------------
// linusgke/py2n (Python, aiohttp; py2n/utils.py `api_request`, py2n/model.py): plain HTTP with
// aiohttp.BasicAuth (sent with the first request), query strings written into the path by
// hand, JSON bodies for dir/query and dir/update. Every answer must be `application/json`
// (aiohttp `content_type`, without parameters) with `success`; a failure's `error.code` is
// looked up in its ApiError list.
// ---------------------------------------------------------------------------------------------

/**
 * moritzj29/py2n's Digest (py2n/utils.py `_build_digest_authorization`): the challenge is the
 * first WWW-Authenticate header, parsed with a key=value pattern; the `uri` is the request's
 * path *with* its query string; `nc` is always 00000001, as every request is challenged afresh.
 */
function moritzDigest(method: string, url: string, challengeHeader: string): string {
  const challenge: Record<string, string> = {};
  for (const m of challengeHeader
    .replace(/^Digest /i, '')
    .matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|([^,]+))/g)) {
    challenge[m[1]!.toLowerCase()] = (m[2] ?? m[3]!).trim();
  }
  const algorithm = challenge.algorithm ?? 'MD5';
  const name = { md5: 'md5', 'sha-256': 'sha256' }[algorithm.toLowerCase()]!;
  const h = (text: string) => createHash(name).update(text).digest('hex');
  const target = new URL(url);
  const uri = `${target.pathname}${target.search}`;
  const qop = challenge.qop ? 'auth' : undefined;
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = h(`${USER}:${challenge.realm}:${PASS}`);
  const ha2 = h(`${method.toUpperCase()}:${uri}`);
  const response = h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  const opaque = challenge.opaque ? `, opaque="${challenge.opaque}"` : '';
  return (
    `Digest username="${USER}", realm="${challenge.realm}", nonce="${challenge.nonce}", ` +
    `uri="${uri}", response="${response}"${opaque}, algorithm=${algorithm}, qop=${qop}, ` +
    `nc=${nc}, cnonce="${cnonce}"`
  );
}

/**
 * py2n's `api_request` (linusgke/py2n and its forks): `auth: 'basic'` sends aiohttp.BasicAuth
 * with the first request; `auth: 'digest'` (moritzj29/py2n) sends the request bare and answers
 * the 401 with Digest.
 */
class Py2nClient {
  readonly base: string;
  readonly auth: 'basic' | 'digest';
  constructor(base: string, auth: 'basic' | 'digest' = 'basic') {
    this.base = base;
    this.auth = auth;
  }

  async call(endpoint: string, method = 'GET', json?: unknown) {
    const url = `${this.base}${endpoint}`;
    const headers: Record<string, string> =
      this.auth === 'basic' ? { authorization: basic(USER, PASS) } : {};
    if (json !== undefined) headers['content-type'] = 'application/json';
    const body = json === undefined ? undefined : JSON.stringify(json);
    let reply = await send(url, { method, headers, body });
    if (this.auth === 'digest' && reply.status === 401) {
      const challenge = reply.distinct['www-authenticate']?.[0] ?? '';
      headers.authorization = moritzDigest(method, url, challenge);
      reply = await send(url, { method, headers, body });
    }
    const parsed = parseEnvelope(reply);
    assert.equal(parsed.contentType.split(';')[0], 'application/json', endpoint);
    return parsed;
  }

  /** utils.py `api_request`: the `result` of a successful answer. */
  async result(endpoint: string, method = 'GET', json?: unknown) {
    const { envelope } = await this.call(endpoint, method, json);
    assert.equal(envelope.success, true, `${endpoint}: ${JSON.stringify(envelope)}`);
    return envelope.result ?? {};
  }
}

/**
 * The error codes of the manual's table (§2.3), which py2n's ApiError enum maps; any other code
 * py2n reports as an unsupported device.
 */
const PY2N_ERROR_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

test('linusgke/py2n: Basic over HTTP, device update, switches, ports, log and directory', async (t) => {
  const { url } = await startDevice(t);
  const py2n = new Py2nClient(url);

  // Py2NDevice.update → get_info: deviceName, variant, serialNumber, macAddr, swVersion,
  // buildType, hwVersion.
  const info = await py2n.result('/api/system/info');
  for (const field of [
    'deviceName',
    'variant',
    'serialNumber',
    'macAddr',
    'swVersion',
    'buildType',
    'hwVersion',
  ]) {
    assert.ok(isString(info[field]), `system/info ${field}`);
  }
  // get_log_caps: result.events.
  assert.ok(((await py2n.result('/api/log/caps')).events as unknown[]).every(isString));
  // get_ports: io/caps ports[].port/type joined with io/status ports[].port/state.
  const portCaps = (await py2n.result('/api/io/caps')).ports as Array<{
    port: string;
    type: string;
  }>;
  const portStatus = (await py2n.result('/api/io/status')).ports as Array<{
    port: string;
    state: number;
  }>;
  assert.ok(portCaps.length > 0 && portCaps.every((p) => isString(p.port) && isString(p.type)));
  for (const cap of portCaps)
    assert.ok(
      portStatus.some((s) => s.port === cap.port),
      cap.port,
    );
  // _get_uptime: system/status upTime, seconds.
  assert.ok(isInt((await py2n.result('/api/system/status')).upTime));
  // get_switch_caps / get_switches: switch, enabled, mode / switch, active, locked.
  const switchCaps = (await py2n.result('/api/switch/caps')).switches as Array<
    Record<string, unknown>
  >;
  assert.ok(switchCaps.every((s) => isInt(s.switch) && isBool(s.enabled)));
  assert.ok(switchCaps.filter((s) => s.enabled).every((s) => isString(s.mode)));
  const switches = (await py2n.result('/api/switch/status')).switches as Array<
    Record<string, unknown>
  >;
  assert.ok(switches.every((s) => isInt(s.switch) && isBool(s.active) && isBool(s.locked)));

  // set_switch: switch/ctrl?switch=N&action=on|off.
  await py2n.result('/api/switch/ctrl?switch=1&action=on');
  const on = (await py2n.result('/api/switch/status')).switches as Array<Record<string, unknown>>;
  assert.equal(on.find((s) => s.switch === 1)!.active, true);
  await py2n.result('/api/switch/ctrl?switch=1&action=off');

  // set_port: io/ctrl?port=ID&action=on|off on an output.
  const output = portCaps.find((p) => p.type === 'output')!;
  assert.ok(output, 'an output port');
  await py2n.result(`/api/io/ctrl?port=${output.port}&action=on`);
  const after = (await py2n.result('/api/io/status')).ports as Array<{
    port: string;
    state: number;
  }>;
  assert.equal(after.find((p) => p.port === output.port)!.state, 1);
  await py2n.result(`/api/io/ctrl?port=${output.port}&action=off`);

  // log_subscribe / log_pull / log_unsubscribe: include, duration, filter by hand; result.id,
  // result.events.
  const { id } = await py2n.result(
    '/api/log/subscribe?include=new&duration=90&filter=SwitchStateChanged,InputChanged',
  );
  assert.ok(isInt(id));
  assert.ok(Array.isArray((await py2n.result(`/api/log/pull?id=${id}&timeout=0`)).events));
  await py2n.result(`/api/log/unsubscribe?id=${id}`);

  // get_dir_template: result.users; query_dir: POST JSON (the default query is {}); update_dir:
  // PUT JSON {users}; each answers result.users. py2n has no dir/create: the entry it updates
  // exists already (made here as its user would, with dir/create §5.14.2), and dir/update
  // needs each entry's uuid (§5.14.3), which py2n's caller takes from dir/query.
  assert.ok(Array.isArray((await py2n.result('/api/dir/template')).users));
  await py2n.result('/api/dir/create', 'PUT', { users: [{ name: 'Alice Novak' }] });
  const queried = await py2n.result('/api/dir/query', 'POST', {});
  const [entry] = queried.users as Array<{ uuid?: string }>;
  assert.ok(isString(entry?.uuid), JSON.stringify(queried));
  const updated = await py2n.result('/api/dir/update', 'PUT', {
    users: [{ uuid: entry!.uuid, email: 'alice@example.com', access: { pin: '4321' } }],
  });
  const [changed] = updated.users as Array<{ uuid?: string; errors?: unknown }>;
  assert.equal(changed?.uuid, entry!.uuid, JSON.stringify(updated));
  assert.equal(changed?.errors, undefined);

  // test_audio: audio/test.
  await py2n.result('/api/audio/test');

  // A refused call answers a code py2n can map (an unknown switch: code 12, invalid parameter).
  const refused = await py2n.call('/api/switch/ctrl?switch=9&action=on');
  assert.equal(refused.envelope.success, false);
  assert.ok(PY2N_ERROR_CODES.includes(refused.envelope.error!.code));
  assert.equal(refused.envelope.error!.code, 12);

  // restart: system/restart, last (the device restarts).
  await py2n.result('/api/system/restart');
});

// ---------------------------------------------------------------------------------------------
// SVD-NL/helios2n-hass (Home Assistant custom component; custom_components/helios2n/*.py) on its
// py2n fork: the config flow and setup run Py2NDevice.create (the update above), then
// entities: a lock per enabled bistable switch (lock.py: switch/ctrl on to unlock, off to
// lock), a button per enabled monostable switch (button.py: switch/ctrl action=on) and a
// restart button (system/restart), switches per output (switch.py: io/ctrl), binary sensors per
// input; two coordinators poll switch/status and io/status every 10 s (coordinator.py).
// ---------------------------------------------------------------------------------------------

test('SVD-NL/helios2n-hass: setup, lock and button entities, polling, as Home Assistant does', async (t) => {
  const { url, device } = await startDevice(t);
  // The installer's wiring: switch 2 drives a bistable lock.
  await device.config.update('test: a bistable lock on switch 2', (draft) => {
    draft.switches[1]!.mode = 'bistable';
  });
  const ha = new Py2nClient(url);

  // config_flow.py → Py2NDevice.create: the title is deviceName, the unique id serialNumber.
  const info = await ha.result('/api/system/info');
  assert.ok(isString(info.deviceName) && isString(info.serialNumber));
  await ha.result('/api/log/caps');
  await ha.result('/api/io/caps');
  await ha.result('/api/io/status');
  await ha.result('/api/system/status');
  const caps = (await ha.result('/api/switch/caps')).switches as Array<Record<string, unknown>>;
  const bistable = caps.filter((s) => s.enabled && s.mode === 'bistable').map((s) => s.switch);
  const monostable = caps.filter((s) => s.enabled && s.mode === 'monostable').map((s) => s.switch);
  assert.deepEqual(bistable, [2]);
  assert.deepEqual(monostable, [1]);

  const active = async (n: number) =>
    ((await ha.result('/api/switch/status')).switches as Array<Record<string, unknown>>).find(
      (s) => s.switch === n,
    )!.active;

  // lock.py async_unlock / async_lock, then the coordinator's refresh of switch/status.
  await ha.result('/api/switch/ctrl?switch=2&action=on');
  assert.equal(await active(2), true);
  await ha.result('/api/switch/ctrl?switch=2&action=off');
  assert.equal(await active(2), false);

  // button.py async_press on the monostable door switch: action=on, which activates it.
  await ha.result('/api/switch/ctrl?switch=1&action=on');
  assert.equal(await active(1), true);

  // switch.py: an output is a HA switch, turned with io/ctrl?port=ID&action=on|off; the port
  // coordinator's poll then reads io/status ports[].port/state.
  const outputs = ((await ha.result('/api/io/caps')).ports as Array<Record<string, unknown>>)
    .filter((p) => p.type === 'output')
    .map((p) => String(p.port));
  assert.ok(outputs.length > 0);
  await ha.result(`/api/io/ctrl?port=${outputs[0]}&action=on`);
  const ports = (await ha.result('/api/io/status')).ports as Array<Record<string, unknown>>;
  assert.ok(ports.every((p) => isString(p.port) && isInt(p.state)));
  assert.equal(ports.find((p) => p.port === outputs[0])!.state, 1);
  await ha.result(`/api/io/ctrl?port=${outputs[0]}&action=off`);

  // button.py restart.
  await ha.result('/api/system/restart');
});

// ---------------------------------------------------------------------------------------------
// mastalir1980/homebridge-2n-intercom (Node, axios; src/accessory.ts, src/streamingDelegate.ts,
// README): axios `auth` sends Basic with the first request, over the URLs the user configures
// (the README's: plain HTTP). The door switch calls `doorOpenUrl`, the camera fetches
// `snapshotUrl` with width/height added, the doorbell polls `doorbellEventsUrl` (call/status).
// ---------------------------------------------------------------------------------------------

test('mastalir1980/homebridge-2n-intercom: door unlock, snapshot and doorbell polling with Basic', async (t) => {
  const { url, httpsUrl, device } = await startDevice(t);
  const axiosGet = (path: string) =>
    send(`${url}${path}`, {
      headers: { authorization: basic(USER, PASS), accept: 'application/json, text/plain, */*' },
    });

  // accessory.ts unlockDoor: GET doorOpenUrl, the README's switch/ctrl?switch=1&action=trigger.
  const unlocked = parseEnvelope(await axiosGet('/api/switch/ctrl?switch=1&action=trigger'));
  assert.equal(unlocked.status, 200);
  assert.equal(unlocked.envelope.success, true);

  // streamingDelegate.ts handleSnapshotRequest: snapshotUrl with HomeKit's requested size.
  const snapshot = await axiosGet('/api/camera/snapshot?width=640&height=480');
  assert.equal(snapshot.status, 200);
  assert.equal(snapshot.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...snapshot.body.subarray(0, 2)], [0xff, 0xd8]);

  // Its README's newer default, `protocol: https` with `verifySSL: false`: the same calls over
  // the device's self-signed HTTPS.
  const overHttps = await send(`${httpsUrl}/api/switch/ctrl?switch=1&action=trigger`, {
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(parseEnvelope(overHttps).envelope.success, true);
  const httpsSnapshot = await send(`${httpsUrl}/api/camera/snapshot?width=640&height=480`, {
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(httpsSnapshot.headers['content-type'], 'image/jpeg');

  // The doorbell poll: GET call/status, whose `sessions` change when the button is pressed.
  const idle = parseEnvelope(await axiosGet('/api/call/status'));
  assert.equal(idle.envelope.success, true);
  assert.deepEqual(idle.envelope.result!.sessions, []);
  // A visitor presses call button 1 (the emulator's front panel, for the person at the door):
  // the next poll shows a ringing session.
  await device.directory.create(
    [{ name: 'Flat 1', callPos: [{ peer: 'sip:101@10.0.0.2' }] }],
    false,
  );
  const admin = new AdminClient(url);
  await admin.login(ADMIN_PASSWORD);
  assert.equal((await admin.request('POST', '/admin/api/front-panel/buttons/1/press')).status, 200);
  const ringing = parseEnvelope(await axiosGet('/api/call/status'));
  const sessions = ringing.envelope.result!.sessions as Array<{ state: string }>;
  assert.equal(sessions.length, 1, JSON.stringify(ringing.envelope));
  assert.equal(sessions[0]!.state, 'ringing');
});

// ---------------------------------------------------------------------------------------------
// moritzj29/py2n (fork of py2n; py2n/utils.py, py2n/model.py): the same calls, with
// `auth_method="digest"` and `protocol="https"` (ssl_verify off): each request goes out bare,
// the 401's challenge is answered with Digest over the path *and* query. Its `get_switches`
// joins switch/caps and switch/status for every switch, enabled or not.
// ---------------------------------------------------------------------------------------------

test('moritzj29/py2n: Digest over HTTPS with the query in the uri, JSON bodies included', async (t) => {
  const { httpsUrl } = await startDevice(t);
  const py2n = new Py2nClient(httpsUrl, 'digest');

  const info = await py2n.result('/api/system/info');
  assert.ok(isString(info.swVersion) && isString(info.buildType));
  await py2n.result('/api/log/caps');
  await py2n.result('/api/io/caps');
  await py2n.result('/api/io/status');
  assert.ok(isInt((await py2n.result('/api/system/status')).upTime));
  const caps = (await py2n.result('/api/switch/caps')).switches as Array<Record<string, unknown>>;
  const status = (await py2n.result('/api/switch/status')).switches as Array<
    Record<string, unknown>
  >;
  for (const cap of caps)
    assert.ok(
      status.some((s) => s.switch === cap.switch),
      String(cap.switch),
    );

  await py2n.result('/api/switch/ctrl?switch=1&action=on');
  await py2n.result('/api/switch/ctrl?switch=1&action=off');
  const { id } = await py2n.result(
    '/api/log/subscribe?include=new&duration=90&filter=SwitchStateChanged',
  );
  const pulled = await py2n.result(`/api/log/pull?id=${id}&timeout=1`);
  assert.ok(Array.isArray(pulled.events));
  await py2n.result(`/api/log/unsubscribe?id=${id}`);

  // A JSON body travels bare first, then again with the Digest answer.
  await py2n.result('/api/dir/create', 'PUT', { users: [{ name: 'Bob Dvorak' }] });
  const [entry] = (await py2n.result('/api/dir/query', 'POST', {})).users as Array<{
    uuid: string;
  }>;
  const updated = await py2n.result('/api/dir/update', 'PUT', {
    users: [{ uuid: entry!.uuid, access: { pin: '2468' } }],
  });
  assert.equal((updated.users as Array<{ uuid: string }>)[0]!.uuid, entry!.uuid);
  await py2n.result('/api/audio/test');
  await py2n.result('/api/system/restart');
});
