import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { AccessDecided } from '../../src/device/device.events.ts';
import { startTestDevice } from './helpers.ts';

// Issue 17 on the emulator: one keypad code that is a user's PIN and switch codes opens all of
// those switches (2N HTTP API §5.14.1 access.pin / access.code[i] → switch i+1), and every door
// decision is told as an 'access-decided' event for the link to report.

const HOUR = 3600;

async function start(t: TestContext, access: Record<string, unknown>) {
  const running = await startTestDevice(t);
  const { device } = running;
  // Switches 3 and 4 are disabled at the factory; the union test needs switch 3.
  await device.switches.configure(3, { enabled: true });
  const [user] = await device.directory.create([{ name: 'Jana Novak', access }], false);
  const decided: AccessDecided[] = [];
  device.events.on('access-decided', (event) => decided.push(event));
  const active = () =>
    device.switches
      .status()
      .filter((s) => s.active)
      .map((s) => s.switch);
  return { device, uuid: user!.uuid, decided, active };
}

test('a code that is the PIN and two switch codes opens switches 1, 2 and 3, each reported', async (t) => {
  const { device, uuid, decided, active } = await start(t, {
    pin: '2468',
    code: ['', '2468', '2468', ''],
  });
  assert.deepEqual(device.frontPanel.enterCode('2468'), {
    valid: true,
    user: 'Jana Novak',
    switches: [1, 2, 3],
  });
  assert.deepEqual(active(), [1, 2, 3]);
  assert.deepEqual(
    decided.map(({ at: _at, ...rest }) => rest),
    [1, 2, 3].map((number) => ({
      credential: 'pin',
      accessPoint: 1,
      uuid,
      name: 'Jana Novak',
      granted: true,
      switch: number,
    })),
  );
  assert.ok(decided.every((e) => !Number.isNaN(Date.parse(e.at))));
});

test('switch codes alone open their switches and are reported as a code', async (t) => {
  const { device, decided, active } = await start(t, { pin: '', code: ['', '5555', '5555', ''] });
  assert.deepEqual(device.frontPanel.enterCode('5555').switches, [2, 3]);
  assert.deepEqual(active(), [2, 3]);
  assert.deepEqual(
    decided.map((e) => [e.credential, e.switch]),
    [
      ['code', 2],
      ['code', 3],
    ],
  );
});

test('an expired PIN is refused as outside-validity; nothing opens', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const { device, uuid, decided, active } = await start(t, {
    pin: '2468',
    code: ['', '2468', '', ''],
    validFrom: String(now - 48 * HOUR),
    validTo: String(now - 24 * HOUR),
  });
  assert.deepEqual(device.frontPanel.enterCode('2468'), { valid: false, user: null, switches: [] });
  assert.deepEqual(active(), []);
  assert.equal(decided.length, 1);
  assert.equal(decided[0]!.granted, false);
  assert.equal(decided[0]!.reason, 'outside-validity');
  assert.equal(decided[0]!.uuid, uuid);
});

test('a PIN not yet valid is refused too', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const { device, decided } = await start(t, { pin: '2468', validFrom: String(now + HOUR) });
  assert.equal(device.frontPanel.enterCode('2468').valid, false);
  assert.equal(decided[0]!.reason, 'outside-validity');
});

test('an access point disabled for the user refuses them there, and only there', async (t) => {
  const { device, decided, active } = await start(t, {
    pin: '2468',
    card: ['0A1B2C3D'],
    accessPoints: [{ enabled: false }, { enabled: true }],
  });
  assert.equal(device.frontPanel.enterCode('2468', 1).valid, false);
  assert.equal(device.frontPanel.presentCard('0A1B2C3D', 1).valid, false);
  assert.deepEqual(active(), []);
  assert.deepEqual(
    decided.map((e) => [e.credential, e.granted, e.reason]),
    [
      ['pin', false, 'disabled'],
      ['card', false, 'disabled'],
    ],
  );
  assert.deepEqual(device.frontPanel.enterCode('2468', 2).switches, [1]);
  assert.equal(decided[2]!.accessPoint, 2);
});

test('a wrong code is reported as a refused PIN of nobody; a granted switch that is disabled as refused', async (t) => {
  const { device, decided } = await start(t, { pin: '2468', code: ['', '', '', '7777'] });
  assert.equal(device.frontPanel.enterCode('13579').valid, false);
  // Switch 4 is disabled: the code is right, but the door does not move.
  assert.deepEqual(device.frontPanel.enterCode('7777'), {
    valid: true,
    user: 'Jana Novak',
    switches: [],
  });
  assert.deepEqual(
    decided.map((e) => [e.credential, e.granted, e.reason, e.switch, e.uuid === undefined]),
    [
      ['pin', false, 'unknown', null, true],
      ['code', false, 'switch-disabled', 4, false],
    ],
  );
});
