import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { repoRoot } from '../helpers/processes.ts';
import {
  PANEL_ADMIN_PASSWORD as ADMIN_PASSWORD,
  startPanelDevice,
} from '../device/panel.helpers.ts';

const exec = promisify(execFile);
const TIMEOUT = 15_000;

before(async () => {
  if (!existsSync(join(repoRoot, 'web', 'device', 'dist', 'index.html'))) {
    await exec('npm', ['run', 'build:device'], { cwd: repoRoot });
  }
});

/** A ready device with one resident (PIN 2468, a number to call) and an integration's log. */
async function readyDevice(t: TestContext) {
  const running = await startPanelDevice(t);
  await running.device.directory.create(
    [{ name: 'Jana Novak', callPos: [{ peer: 'sip:101@10.0.0.2' }], access: { pin: '2468' } }],
    false,
  );
  const pull = await running.subscribe();
  const events = async () => (await pull()).map((e) => e.event);
  return { ...running, events };
}

const PIN_EVENTS = [
  ...Array.from({ length: 4 }, () => ['KeyPressed', 'KeyReleased']).flat(),
  'CodeEntered',
  'UserAuthenticated',
  'SwitchStateChanged',
];
const CALL_EVENTS = [
  'KeyPressed',
  'KeyReleased',
  'CallSessionStateChanged',
  'CallStateChanged',
  'CallSessionStateChanged',
  'CallStateChanged',
  'CallSessionStateChanged',
  'CallStateChanged',
  'CallSessionStateChanged',
];

async function newPage(t: TestContext, javaScriptEnabled = true): Promise<Page> {
  const browser = await launchBrowser(t);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled,
  });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  return page;
}

test('new web interface: the front panel page opens the door for a PIN and places a call', async (t) => {
  const { url, api, events } = await readyDevice(t);
  const page = await newPage(t);
  const status = (text: string | RegExp) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor();
  try {
    await page.goto(`${url}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
    const menu = page.getByRole('navigation', { name: 'Main menu' });
    await menu.getByRole('button', { name: 'Hardware', exact: true }).click();
    await menu.getByRole('link', { name: 'Front panel', exact: true }).click();
    await page.getByRole('heading', { name: 'Front panel', exact: true }).waitFor();

    await page.getByLabel('Code', { exact: true }).fill('2468');
    await page.getByRole('button', { name: 'Enter code' }).click();
    await status('Access granted for Jana Novak: switch 1 opened.');
    assert.deepEqual(await events(), PIN_EVENTS);

    await page.getByRole('button', { name: '%1 Call Jana Novak' }).click();
    await status('Calling Jana Novak (sip:101@10.0.0.2).');
    const [ringing] = (
      await api<{ sessions: Array<{ session: number; state: string }> }>('call/status')
    ).sessions;
    assert.equal(ringing!.state, 'ringing');
    await page.getByRole('button', { name: 'Answer as remote party' }).click();
    await page
      .getByLabel(`Call ${ringing!.session} state`)
      .filter({ hasText: 'connected' })
      .waitFor();
    await screenshot(page, 'device-front-panel-new-call-connected');
    await page.getByRole('button', { name: `Hang up call ${ringing!.session}` }).click();
    await page.getByText('No call is active.').waitFor();
    assert.deepEqual(await events(), CALL_EVENTS);

    await page.getByRole('button', { name: 'Open the door' }).click();
    await page.getByText('The door is opened').waitFor();
    await page.getByRole('list', { name: 'Recent events' }).getByText('DoorStateChanged').waitFor();
    assert.deepEqual(await events(), ['InputChanged', 'DoorStateChanged']);
    await screenshot(page, 'device-front-panel-new');
  } catch (error) {
    await screenshot(page, 'device-front-panel-new-failure');
    throw error;
  }
});

test('classic interface: the Home page panel opens the door for a PIN and places a call, without JavaScript', async (t) => {
  const { url, events } = await readyDevice(t);
  const page = await newPage(t, false);
  const notice = (text: string) => page.getByText(text, { exact: true }).waitFor();
  try {
    await page.goto(`${url}/classic/`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Front panel' }).waitFor();

    await page.getByLabel('Code', { exact: true }).fill('2468');
    await page.getByRole('button', { name: 'Enter code' }).click();
    await notice('Access granted: the switch opened.');
    assert.deepEqual(await events(), PIN_EVENTS);

    await page.getByRole('button', { name: '%1 Call Jana Novak' }).click();
    await notice('The call button was pressed; the call is ringing.');
    await page.getByRole('button', { name: 'Answer (remote party)' }).click();
    await page.getByRole('cell', { name: 'connected', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByText('No call is active.').waitFor();
    assert.deepEqual(await events(), CALL_EVENTS);

    await page.getByRole('button', { name: 'Trip the tamper switch' }).click();
    await page.getByText('tripped').waitFor();
    assert.deepEqual(await events(), ['InputChanged', 'TamperSwitchActivated']);
    await screenshot(page, 'device-front-panel-classic');
  } catch (error) {
    await screenshot(page, 'device-front-panel-classic-failure');
    throw error;
  }
});
