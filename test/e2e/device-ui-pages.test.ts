import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { makeFirmwareImage } from '../../src/core/firmware.format.ts';
import { registerDeviceSpa } from '../../src/device/spa.static.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { mintWithCli, startDeviceProcess } from '../helpers/cli-rig.ts';
import { repoRoot } from '../helpers/processes.ts';

const exec = promisify(execFile);
const TIMEOUT = 15_000;

before(async () => {
  if (!existsSync(join(repoRoot, 'web', 'device', 'dist', 'index.html'))) {
    await exec('npm', ['run', 'build:device'], { cwd: repoRoot });
  }
});

test('without a build, / says how to build the new interface and links to the classic one', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'latchkey-no-spa-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const app = Fastify();
  t.after(() => app.close());
  await registerDeviceSpa(app, { root });
  const answer = await app.inject({ method: 'GET', url: '/' });
  assert.equal(answer.statusCode, 200);
  assert.match(answer.headers['content-type'] as string, /text\/html/);
  assert.match(answer.body, /npm run build:device/);
  assert.match(answer.body, /href="\/classic\/"/);
});

/**
 * The rest of the new interface on a ready device (--admin-password, no cloud): dashboard,
 * switches with a test trigger, HTTP API accounts (the device's rules), firmware upload with
 * progress, and Reset device to default keeping the network settings.
 */
test('new web interface: dashboard, switches, HTTP API accounts, firmware, reset keeping the network', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'latchkey-device-pages-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const unit = (await mintWithCli(work, 1))[0]!;
  const password = 'ready-admin-password';
  const { url: deviceUrl } = await startDeviceProcess(t, work, unit, { adminPassword: password });

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  let step = 0;
  const shot = (name: string) =>
    screenshot(page, `device-ui-pages-${String(++step).padStart(2, '0')}-${name}`);
  const heading = (name: string) => page.getByRole('heading', { name, exact: true }).waitFor();
  const status = (text: string | RegExp) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor();
  const menu = page.getByRole('navigation', { name: 'Main menu' });
  async function go(section: string, item: string) {
    const button = menu.getByRole('button', { name: section, exact: true });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await menu.getByRole('link', { name: item, exact: true }).click();
    await heading(item === 'Users' ? 'Directory' : item);
  }
  async function logIn(with_: string) {
    await heading('Log in to the intercom');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(with_);
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  try {
    // A ready device: no forced change; the dashboard shows what the device is.
    await page.goto(`${deviceUrl}/`);
    await logIn(password);
    await heading('Dashboard');
    await page.getByText(unit.serialNumber).waitFor();
    await page.getByText(unit.model).first().waitFor();
    await page.getByText('Not connected', { exact: true }).first().waitFor();
    await shot('dashboard');

    // Hardware → Switches: enable switch 3, trigger it (monostable: on for 5 s).
    await go('Hardware', 'Switches');
    await page.getByLabel('Switch 3 enabled').check();
    await status('Switch 3 enabled.');
    await page.getByRole('button', { name: 'Trigger switch 3' }).click();
    await status('Switch 3 triggered.');
    await page.getByRole('status', { name: 'Switch 3 state' }).filter({ hasText: 'On' }).waitFor();
    await shot('switch-triggered');

    // Directory → Users: add a user the intercom can call, then delete it.
    await go('Directory', 'Users');
    await page.getByText('The directory is empty.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Concierge');
    await page.getByLabel('E-mail').fill('concierge@example.com');
    await page.getByLabel('Number to call (phone number or SIP address)').fill('sip:200@pbx');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('rowheader', { name: 'Concierge' }).waitFor();
    await shot('directory-user-added');
    await page.getByRole('button', { name: 'Delete Concierge' }).click();
    await status('Concierge was deleted from the directory.');
    await page.getByText('The directory is empty.').waitFor();

    // Services → HTTP API: the device refuses a bad account name, accepts a good one.
    await go('Services', 'HTTP API');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByLabel('User name').fill('bad name!');
    await page.getByLabel('Password', { exact: true }).fill('api-secret');
    await page.getByRole('button', { name: 'Save account' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /letters, digits/ })
      .waitFor();
    await shot('api-account-refused');
    await page.getByLabel('User name').fill('integrator');
    await page.getByLabel('switch.control').check();
    await page.getByRole('button', { name: 'Save account' }).click();
    await status('Account integrator was saved.');
    await page.getByRole('rowheader', { name: 'integrator' }).waitFor();
    await shot('api-account-saved');

    // System → Maintenance → Firmware: a foreign image is refused; a real one uploads with
    // progress, installs and restarts the device.
    await go('System', 'Maintenance');
    await page.getByLabel('Firmware file').setInputFiles({
      name: 'other.fw',
      mimeType: 'application/octet-stream',
      buffer: makeFirmwareImage({ model: 'Some Other Model', version: '9.9.9' }),
    });
    await page.getByRole('button', { name: 'Upload firmware' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /this device is a/ })
      .waitFor();
    await page.getByLabel('Firmware file').setInputFiles({
      name: 'firmware.fw',
      mimeType: 'application/octet-stream',
      buffer: makeFirmwareImage({ model: unit.model, version: '9.9.9' }, Buffer.alloc(4 << 20)),
    });
    await page.getByRole('button', { name: 'Upload firmware' }).click();
    await status(/Firmware 9\.9\.9 was uploaded and checked/);
    assert.equal(await page.getByLabel('Upload progress').getAttribute('value'), '100');
    await shot('firmware-uploaded');
    await page.getByRole('button', { name: 'Install and restart' }).click();
    await status(/Firmware 9\.9\.9 was installed/);
    await logIn(password);
    await heading('Maintenance');
    await menu.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.getByText('9.9.9', { exact: true }).waitFor();
    await shot('firmware-installed');

    // Reset device to default, keeping the network settings; then admin / 2n again.
    await go('System', 'Maintenance');
    await page.getByRole('button', { name: 'Reset device to default' }).click();
    await page.getByLabel('Keep network settings').check();
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset the device to default?' });
    await confirm.getByText(/except the network settings/).waitFor();
    await confirm.getByRole('button', { name: 'Confirm reset' }).click();
    await status(/the network settings were kept/);
    await shot('reset-kept-network');
    await logIn('2n');
    await heading('Choose a new password');
  } catch (error) {
    await screenshot(page, 'device-ui-pages-failure').catch(() => {});
    throw error;
  }
});
