import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startFleet } from '../../src/device/fleet.ts';
import {
  AdminClient,
  basic,
  makeIdentity,
  writeIdentity,
  type Envelope,
} from '../device/helpers.ts';
import { freePort, spawnCli } from '../helpers/processes.ts';

const ADMIN_PASSWORD = 'fleet-admin-pass';
const USER = 'integrator';
const PASS = 'api-pass-1';

/** Two fleet devices on consecutive HTTP ports (tried again if the second port is taken). */
async function startTwo(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-fleet-panel-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const files: string[] = [];
  for (const name of ['a', 'b']) {
    const folder = join(dir, name);
    await mkdir(folder);
    files.push(await writeIdentity(folder, makeIdentity()));
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const fleet = await startFleet({
        identityFiles: files,
        httpPortFrom: await freePort(),
        host: '127.0.0.1',
        adminPassword: ADMIN_PASSWORD,
        apiAccounts: [{ username: USER, password: PASS }],
      });
      t.after(() => fleet.close());
      return fleet;
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

test('latchkey fleet devices expose the front panel over their HTTP port, each its own', async (t) => {
  const fleet = await startTwo(t);
  const [first, second] = fleet.members;
  const subscribe = async (url: string) => {
    const api = async <T>(path: string) =>
      (
        (await (
          await fetch(`${url}/api/${path}`, { headers: { authorization: basic(USER, PASS) } })
        ).json()) as { result: T } & Envelope<T>
      ).result;
    const { id } = await api<{ id: number }>('log/subscribe?include=new');
    return async () =>
      (await api<{ events: Array<{ event: string }> }>(`log/pull?id=${id}&timeout=0`)).events.map(
        (e) => e.event,
      );
  };
  const firstLog = await subscribe(first!.url!);
  const secondLog = await subscribe(second!.url!);

  const admin = new AdminClient(second!.url!);
  assert.equal((await admin.login(ADMIN_PASSWORD)).status, 200);
  const door = await admin.request('POST', '/admin/api/front-panel/door', { open: true });
  assert.equal(door.status, 204);
  const typed = await admin.json<{ valid: boolean }>('POST', '/admin/api/front-panel/keypad', {
    code: '12',
  });
  assert.equal(typed.body.valid, false);

  assert.deepEqual(await secondLog(), [
    'InputChanged',
    'DoorStateChanged',
    'KeyPressed',
    'KeyReleased',
    'KeyPressed',
    'KeyReleased',
    'CodeEntered',
  ]);
  assert.deepEqual(await firstLog(), []);
  const panel = await admin.json<{ door: string }>('GET', '/admin/api/front-panel');
  assert.equal(panel.body.door, 'opened');
  assert.equal(first!.device.frontPanel.status().door, 'closed');
});

test("latchkey fleet --admin-password and --api-account open every device's panel and HTTP API at once", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-fleet-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'a'));
  await writeIdentity(join(dir, 'a'), makeIdentity());
  const port = await freePort();
  const fleet = spawnCli([
    'fleet',
    '--identities',
    dir,
    '--http-ports',
    String(port),
    '--admin-password',
    ADMIN_PASSWORD,
    '--api-account',
    `${USER}:${PASS}`,
  ]);
  t.after(() => fleet.stop());
  const url = `http://127.0.0.1:${port}`;
  await fleet.answering(`${url}/api/system/info`);
  const admin = new AdminClient(url);
  const login = await admin.login(ADMIN_PASSWORD);
  assert.equal(login.status, 200);
  const card = await admin.json<{ valid: boolean }>('POST', '/admin/api/front-panel/card', {
    uid: 'ABCD1234',
  });
  assert.equal(card.status, 200);
  assert.equal(card.body.valid, false);
  const status = await fetch(`${url}/api/switch/status`, {
    headers: { authorization: basic(USER, PASS) },
  });
  assert.equal(((await status.json()) as Envelope).success, true);
  assert.doesNotMatch(fleet.output(), new RegExp(`${ADMIN_PASSWORD}|${PASS}`));
});
