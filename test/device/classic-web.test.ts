import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeFirmwareImage } from '../../src/core/firmware.format.ts';
import { escapeHtml, html } from '../../src/device/web/html.ts';
import { startTestDevice } from './helpers.ts';

const PASSWORD = 'a-good-admin-password';

interface Answer {
  status: number;
  location: string | null;
  text: string;
  headers: Headers;
}

/** A browser without JavaScript: keeps cookies, posts forms, does not follow redirects. */
class FormClient {
  readonly cookies = new Map<string, string>();
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async request(method: string, path: string, body?: FormData | Record<string, string>) {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    let payload: FormData | string | null = null;
    if (body instanceof FormData) payload = body;
    else if (body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body).toString();
    }
    const response = await fetch(this.url + path, {
      method,
      headers,
      body: payload,
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      text: await response.text(),
      headers: response.headers,
    } satisfies Answer;
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: FormData | Record<string, string>) =>
    this.request('POST', path, body);

  /** The CSRF token of the first form on a page. */
  async token(path: string): Promise<string> {
    const page = await this.get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
    assert.ok(match, `no form with a CSRF token at ${path} (${page.status} ${page.location})`);
    return match[1]!;
  }

  async logIn(password: string, username = 'admin'): Promise<Answer> {
    const token = await this.token('/classic/login');
    return this.post('/classic/login', { _csrf: token, username, password });
  }

  /** Logs in with 2n and makes the forced change; returns the session's CSRF token. */
  async ready(): Promise<string> {
    await this.logIn('2n');
    const token = await this.token('/classic/password');
    const done = await this.post('/classic/password', {
      _csrf: token,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    assert.equal(done.status, 303, done.text);
    return this.token('/classic/');
  }
}

/** The message shown next to the input `id`, checking that the input points to it. */
function fieldError(page: string, id: string): string | null {
  const input = new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(page)?.[0] ?? '';
  const message = new RegExp(`<p class="error" id="${id}-error">([^<]*)</p>`).exec(page)?.[1];
  if (message === undefined) return null;
  assert.match(input, new RegExp(`aria-describedby="[^"]*${id}-error`));
  assert.match(input, /aria-invalid="true"/);
  return message
    .trim()
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('classic web interface', () => {
  it('escapes every interpolated value', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&\``),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;',
    );
    const nested = html`<b>${'<i>'}</b>`;
    assert.equal(
      html`<p>${nested}${['<', html`<br />`]}${null}${false}${0}</p>`.value,
      '<p><b>&lt;i&gt;</b>&lt;<br />0</p>',
    );
  });

  it('sends to the login page, refuses a login form without its token, explains a wrong password', async (t) => {
    const { url } = await startTestDevice(t);
    const client = new FormClient(url);
    const home = await client.get('/classic/');
    assert.equal(home.status, 303);
    assert.equal(home.location, '/classic/login');
    const login = await client.get('/classic/login');
    assert.equal(login.status, 200);
    assert.match(login.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(login.headers.get('set-cookie') ?? '', /SameSite=Strict/i);

    const forged = await new FormClient(url).post('/classic/login', {
      username: 'admin',
      password: '2n',
    });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /did not come from this device/);
    assert.equal(forged.headers.get('set-cookie')?.includes('lk_device_session'), false);

    const wrong = await client.logIn('not-it');
    assert.equal(wrong.status, 401);
    assert.match(
      fieldError(wrong.text, 'password') ?? '',
      /user name or password is wrong.*admin \/ 2n/,
    );
  });

  it('forces the choice of a new password before anything else, with the rule next to the field', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const login = await client.logIn('2n');
    assert.equal(login.status, 303);
    assert.equal(login.location, '/classic/password');
    assert.match(client.cookies.get('lk_device_session') ?? '', /.+/);
    for (const path of ['/classic/', '/classic/system/auto-provisioning', '/classic/maintenance']) {
      const page = await client.get(path);
      assert.equal(page.status, 303, path);
      assert.equal(page.location, '/classic/password', path);
    }
    const token = await client.token('/classic/password');
    const form = await client.get('/classic/password');
    assert.match(form.text, /A valid password has 8 to 128 characters/);

    const generate = await client.post('/classic/system/auto-provisioning/generate-new', {
      _csrf: token,
    });
    assert.equal(generate.location, '/classic/password');
    assert.equal(device.securityCode.generation, 0, 'nothing happens before the change');

    const short = await client.post('/classic/password', {
      _csrf: token,
      newPassword: 'short',
      confirmPassword: 'short',
    });
    assert.equal(short.status, 400);
    assert.match(fieldError(short.text, 'new-password') ?? '', /at least 8 characters/);
    const factory = await client.post('/classic/password', {
      _csrf: token,
      newPassword: '2n',
      confirmPassword: '2n',
    });
    assert.match(fieldError(factory.text, 'new-password') ?? '', /"2n" cannot be kept/);
    const differ = await client.post('/classic/password', {
      _csrf: token,
      newPassword: PASSWORD,
      confirmPassword: `${PASSWORD}x`,
    });
    assert.match(fieldError(differ.text, 'confirm-password') ?? '', /differ/);
    assert.equal(device.accounts.mustChangePassword, true);

    const saved = await client.post('/classic/password', {
      _csrf: token,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    assert.equal(saved.status, 303);
    assert.equal(device.accounts.mustChangePassword, false);
    const home = await client.get('/classic/');
    assert.equal(home.status, 200);
    assert.match(home.text, new RegExp(device.identity.serialNumber));

    // The same account and rules as the admin JSON API: the new password works there too.
    const api = await fetch(`${url}/admin/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    assert.equal(api.status, 200);
  });

  it('blocks logins after five wrong passwords, as the admin API does', async (t) => {
    const { url } = await startTestDevice(t);
    const client = new FormClient(url);
    for (let i = 0; i < 5; i += 1) assert.equal((await client.logIn('wrong')).status, 401);
    const blocked = await client.logIn('2n');
    assert.equal(blocked.status, 429);
    assert.match(fieldError(blocked.text, 'password') ?? '', /blocked for \d+ more seconds/);
  });

  it('ends an idle session and says so on the login page', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    await client.ready();
    device.accounts.sessionIdleMs = 300;
    assert.equal((await client.get('/classic/')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const gone = await client.get('/classic/maintenance');
    assert.equal(gone.status, 303);
    assert.equal(gone.location, '/classic/login?m=expired');
    const login = await client.get(gone.location);
    assert.match(login.text, /session ended after \d+ minutes? without activity/);
  });

  it('refuses every change without the session CSRF token and changes nothing', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const token = await client.ready();
    const configBefore = device.config.current;
    for (const [path, body] of [
      ['/classic/system/auto-provisioning/generate-new', {}],
      ['/classic/maintenance/reset', { networkSettingsAndCertificates: 'yes' }],
      ['/classic/maintenance/restart', {}],
      ['/classic/maintenance/backup', { password: '' }],
      ['/classic/system/network', { mode: 'static', ipAddress: '10.0.0.2', netmask: '255.0.0.0' }],
      ['/classic/system/users/api-accounts', { username: 'intruder', password: 'x' }],
      ['/classic/logout', {}],
    ] as const) {
      for (const forged of [{ ...body }, { ...body, _csrf: `${token}x` }]) {
        const answer = await client.post(path, forged);
        assert.equal(answer.status, 403, `${path}: ${answer.status}`);
        assert.match(answer.text, /cross-site request forgery/);
        assert.equal(answer.headers.get('content-disposition'), null);
      }
    }
    const upload = new FormData();
    upload.append('file', new Blob(['<DeviceDatabase/>']), 'config.xml');
    assert.equal((await client.post('/classic/maintenance/load', upload)).status, 403);
    assert.equal(device.securityCode.generation, 0);
    assert.equal(device.config.current, configBefore, 'the configuration did not change');
    assert.equal((await client.get('/classic/')).status, 200, 'still logged in');
  });

  it('shows wrong inputs next to their field and keeps what was typed', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const _csrf = await client.ready();

    const network = await client.post('/classic/system/network', {
      _csrf,
      mode: 'static',
      ipAddress: '<script>alert(1)</script>',
      netmask: '255.255.255.0',
    });
    assert.equal(network.status, 400);
    assert.match(fieldError(network.text, 'network-ipAddress') ?? '', /not an IPv4 address/);
    assert.doesNotMatch(network.text, /<script>/);
    assert.match(network.text, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    const noMask = await client.post('/classic/system/network', {
      _csrf,
      mode: 'static',
      ipAddress: '192.168.1.5',
      netmask: '255.0.255.0',
    });
    assert.match(fieldError(noMask.text, 'network-netmask') ?? '', /not a mask/);
    assert.equal(device.config.current.network.dhcp, true);

    const account = await client.post('/classic/system/users/api-accounts', {
      _csrf,
      username: 'bad name!',
      password: 'api-pass-1',
    });
    assert.equal(account.status, 400);
    assert.match(fieldError(account.text, 'api-username') ?? '', /letters, digits/);
    const short = await client.post('/classic/system/users/api-accounts', {
      _csrf,
      username: 'integrator',
      password: 'seven77',
      enabled: 'yes',
    });
    assert.equal(short.status, 400);
    assert.match(fieldError(short.text, 'api-password') ?? '', /at least 8 characters.*has 7/);
    assert.deepEqual(device.accounts.apiAccounts(), [], 'a short password saves no account');
    const saved = await client.post('/classic/system/users/api-accounts', {
      _csrf,
      username: 'integrator',
      password: 'api-pass-1',
      enabled: 'yes',
    });
    assert.equal(saved.status, 303);
    assert.deepEqual(
      device.accounts.apiAccounts().map((a) => a.username),
      ['integrator'],
    );

    const wrongCurrent = await client.post('/classic/system/users/password', {
      _csrf,
      currentPassword: 'nope',
      newPassword: 'another-password',
      confirmPassword: 'another-password',
    });
    assert.match(
      fieldError(wrongCurrent.text, 'current-password') ?? '',
      /current password is wrong/,
    );

    const time = await client.post('/classic/system/date-time', { _csrf, utcTime: 'tomorrow' });
    assert.match(fieldError(time.text, 'utc-time') ?? '', /YYYY-MM-DD/);

    const notBackup = new FormData();
    notBackup.append('_csrf', _csrf);
    notBackup.append('file', new Blob(['hello, not a backup']), 'notes.txt');
    const load = await client.post('/classic/maintenance/load', notBackup);
    assert.equal(load.status, 400);
    assert.match(fieldError(load.text, 'load-file') ?? '', /.+/);

    const empty = new FormData();
    empty.append('_csrf', _csrf);
    empty.append('file', new Blob([]), '');
    const none = await client.post('/classic/maintenance/load', empty);
    assert.match(fieldError(none.text, 'load-file') ?? '', /Choose the/);

    const big = new FormData();
    big.append('_csrf', _csrf);
    big.append('file', new Blob([Buffer.alloc(1024 * 1024 + 10, 65)]), 'huge.bak');
    const tooBig = await client.post('/classic/maintenance/load', big);
    assert.equal(tooBig.status, 413);
    assert.match(fieldError(tooBig.text, 'load-file') ?? '', /at most 1048576 bytes/);

    const firmware = new FormData();
    firmware.append('_csrf', _csrf);
    firmware.append('file', new Blob(['not firmware']), 'fw.bin');
    const fw = await client.post('/classic/maintenance/firmware', firmware);
    assert.match(fieldError(fw.text, 'firmware-file') ?? '', /not a firmware image/);
  });

  it('downloads the same backup as the HTTP API and loads it back, refusing a wrong password', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const _csrf = await client.ready();
    const network = await client.post('/classic/system/network', {
      _csrf,
      mode: 'static',
      ipAddress: '10.1.2.3',
      netmask: '255.255.0.0',
      gateway: '10.1.0.1',
    });
    assert.equal(network.status, 303, network.text);

    const response = await fetch(`${url}/classic/maintenance/backup`, {
      method: 'POST',
      headers: {
        cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf, password: 'backup-pw' }).toString(),
    });
    assert.equal(response.status, 200);
    assert.match(
      response.headers.get('content-disposition') ?? '',
      /attachment; filename="config-.+\.bak"/,
    );
    const file = Buffer.from(await response.arrayBuffer());
    assert.equal(file.subarray(0, 4).toString(), 'LKBK');

    const reset = await client.post('/classic/maintenance/reset', {
      _csrf,
      networkSettingsAndCertificates: 'yes',
    });
    assert.equal(reset.location, '/classic/login?m=reset-network');
    assert.equal(device.config.current.network.dhcp, true);
    const token = await client.ready();

    const wrong = new FormData();
    wrong.append('_csrf', token);
    wrong.append('file', new Blob([file]), 'backup.bak');
    wrong.append('password', 'nope');
    const refused = await client.post('/classic/maintenance/load', wrong);
    assert.equal(refused.status, 400);
    assert.match(fieldError(refused.text, 'load-password') ?? '', /password is wrong/);
    assert.equal(device.config.current.network.dhcp, true, 'nothing changed');

    const right = new FormData();
    right.append('_csrf', token);
    right.append('file', new Blob([file]), 'backup.bak');
    right.append('password', 'backup-pw');
    const loaded = await client.post('/classic/maintenance/load', right);
    assert.equal(loaded.status, 303, loaded.text);
    assert.equal(device.config.current.network.ipAddress, '10.1.2.3');
  });

  it('Generate New asks first, then shows the new code at once', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const _csrf = await client.ready();
    const before = device.securityCode.current().securityCode;
    const confirm = await client.get('/classic/system/auto-provisioning/generate-new');
    assert.match(confirm.text, new RegExp(before));
    assert.match(confirm.text, /no longer valid/);
    assert.match(confirm.text, />\s*Yes\s*</);
    assert.match(confirm.text, />No</);
    assert.equal(device.securityCode.generation, 0, 'opening the question changes nothing');
    const done = await client.post('/classic/system/auto-provisioning/generate-new', { _csrf });
    assert.equal(done.status, 303);
    const shown = await client.get(done.location!);
    const after = device.securityCode.current().securityCode;
    assert.notEqual(after, before);
    assert.match(shown.text, new RegExp(after));
    assert.match(shown.text, /The old My2N Security Code is no longer valid/);
  });

  it('Reset Configuration without Network Settings and Certificates keeps the address', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const _csrf = await client.ready();
    await client.post('/classic/system/network', {
      _csrf,
      mode: 'static',
      ipAddress: '10.9.8.7',
      netmask: '255.255.255.0',
    });
    const certificate = device.config.current.certificate.certPem;
    const reset = await client.post('/classic/maintenance/reset', { _csrf });
    assert.equal(reset.location, '/classic/login?m=reset');
    assert.equal(device.accounts.mustChangePassword, true);
    assert.equal(device.config.current.network.ipAddress, '10.9.8.7');
    assert.equal(device.config.current.certificate.certPem, certificate);
    assert.equal((await client.get('/classic/')).status, 303, 'the session ended');
  });

  it('uploads firmware, asks Yes or No, and installs it on Yes', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const upload = async (_csrf: string) => {
      const form = new FormData();
      form.append('_csrf', _csrf);
      form.append(
        'file',
        new Blob([makeFirmwareImage({ model: device.identity.model, version: '9.9.9' })]),
        'fw.bin',
      );
      return client.post('/classic/maintenance/firmware', form);
    };
    let _csrf = await client.ready();
    const asked = await upload(_csrf);
    assert.equal(asked.status, 200);
    assert.match(asked.text, /Install firmware 9\.9\.9\?/);
    const no = await client.post('/classic/maintenance/firmware/reject', { _csrf });
    assert.equal(no.location, '/classic/maintenance?done=firmware-rejected');
    assert.notEqual(device.maintenance.firmwareVersion, '9.9.9');

    await upload(_csrf);
    const yes = await client.post('/classic/maintenance/firmware/apply', { _csrf });
    assert.equal(yes.location, '/classic/login?m=upgraded');
    assert.equal(device.maintenance.firmwareVersion, '9.9.9');
    await client.logIn(PASSWORD);
    _csrf = await client.token('/classic/maintenance');
    assert.match((await client.get('/classic/maintenance')).text, /9\.9\.9/);
  });

  it('names a damaged backup and a backup of another model next to the file, and logs out', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    const _csrf = await client.ready();
    const load = (file: Buffer, password = '') => {
      const form = new FormData();
      form.append('_csrf', _csrf);
      form.append('file', new Blob([file]), 'backup.bak');
      form.append('password', password);
      return client.post('/classic/maintenance/load', form);
    };
    const good = (await device.maintenance.backup('pw')).body;
    const damaged = Buffer.from(good);
    damaged[damaged.length - 1]! ^= 0xff;
    const corrupted = await load(damaged, 'pw');
    assert.equal(corrupted.status, 400);
    assert.match(fieldError(corrupted.text, 'load-file') ?? '', /damaged|corrupt|changed/i);
    const foreign = (await device.maintenance.backup()).body
      .toString('utf8')
      .replace(/2N IP Verso/g, '2N IP Style');
    const other = await load(Buffer.from(foreign));
    assert.match(fieldError(other.text, 'load-file') ?? '', /2N IP Style/);
    const wrongType = await fetch(`${url}/classic/system/network`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-unknown',
        cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: 'mode=static',
    });
    assert.equal(wrongType.status, 415);
    assert.match(wrongType.headers.get('content-type') ?? '', /text\/html/);
    const out = await client.post('/classic/logout', { _csrf });
    assert.equal(out.location, '/classic/login?m=logged-out');
    assert.equal((await client.get('/classic/')).location, '/classic/login');
  });

  it('System → Auto Provisioning shows the configuration mode the cloud set (issue 17)', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    await client.ready();
    const mode = async () =>
      /id="configuration-mode">([^<]*)</.exec(
        (await client.get('/classic/system/auto-provisioning')).text,
      )?.[1];
    assert.equal(await mode(), 'Not managed (not in a My2N site)');
    device.setCloudLink({
      state: 'connected',
      site: 'Vinohradská 12',
      configurationMode: 'automatic',
    });
    assert.equal(await mode(), 'Automatic (My2N)');
    device.setCloudLink({
      state: 'connected',
      site: 'Vinohradská 12',
      configurationMode: 'manual',
    });
    assert.equal(await mode(), 'Manual');
    device.setCloudLink({ state: 'connected', site: null, configurationMode: null });
    assert.equal(await mode(), 'Not managed (not in a My2N site)');
  });

  it('System → Users marks the directory entries My2N manages, and only those', async (t) => {
    const { url, device } = await startTestDevice(t);
    const client = new FormClient(url);
    await client.ready();
    await device.directory.create(
      [
        { name: 'Anna Novak', owner: 'My2N', uuid: '0A1B2C3D-0000-4000-8000-000000000001' },
        { name: 'Local Larry' },
      ],
      false,
    );
    const page = (await client.get('/classic/system/users')).text;
    const row = (name: string) =>
      new RegExp(`<td>${name}</td>[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    assert.match(
      row('Anna Novak'),
      /Managed by My2N — local changes are overwritten at the next sync\./,
    );
    assert.doesNotMatch(row('Local Larry'), /Managed by My2N/);
    assert.match(row('Local Larry'), /Local/);
  });
});
