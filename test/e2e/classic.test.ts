import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { claim, createSite, registerAccount } from '../helpers/factories.ts';
import { mintWithCli, startDeviceProcess, startServeProcess } from '../helpers/cli-rig.ts';
import { repoRoot } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const CODE = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/;
const TIMEOUT = 15_000;

/** The article's steps in the device's old web interface, by visible labels, in a real browser. */
test('classic web interface: the article step by step against a real cloud', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'latchkey-classic-'));
  t.after(() => rm(work, { recursive: true, force: true }));

  // A real cloud, one device minted into it with the real CLI, owned by a first account.
  const { url: cloudUrl } = await startServeProcess(t, work);
  const unit = (await mintWithCli(work, 1))[0]!;

  const owner = await registerAccount({ url: cloudUrl });
  const ownerSite = await createSite(owner.client, 'Main entrance');
  const added = await claim(owner.client, ownerSite.id, unit.serialNumber, unit.securityCode);
  assert.equal(added.status, 201, added.text);

  // The intercom, linked to the cloud, with the factory password 2n.
  const { url: deviceUrl } = await startDeviceProcess(t, work, unit, { cloudUrl });

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  let step = 0;
  const shot = (name: string) =>
    screenshot(page, `classic-${String(++step).padStart(2, '0')}-${name}`);
  const sections = () => page.getByRole('navigation', { name: 'Sections' });
  const tab = (name: string) =>
    page.getByRole('navigation', { name: 'Tabs' }).getByRole('link', { name, exact: true });
  const visible = (text: string | RegExp) => page.getByText(text).first().waitFor();

  async function logIn(password: string) {
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  async function chooseNewPassword(password: string, name: string) {
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await visible(/A valid password has 8 to 128 characters/);
    await shot(`${name}-forced-change`);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Confirm new password').fill(password);
    await page.getByRole('button', { name: 'Save password' }).click();
    await visible('The new password is saved.');
  }
  async function readCode(p: Page): Promise<string> {
    const code = (await p.getByText(CODE).first().innerText()).trim();
    assert.match(code, CODE);
    return code;
  }

  // 1. Log in with admin / 2n; the first thing is choosing a new password.
  await page.goto(`${deviceUrl}/classic/`);
  await page.getByRole('heading', { name: /Log in/ }).waitFor();
  await shot('login');
  await logIn('2n');
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Confirm new password').fill('short');
  await page.getByRole('button', { name: 'Save password' }).click();
  await visible(/Use at least 8 characters/);
  await shot('password-too-short');
  const firstPassword = 'first-admin-password';
  await chooseNewPassword(firstPassword, 'first');

  // 2. Home: serial number and the cloud link ("connected, in site Main entrance").
  await visible(unit.serialNumber);
  await waitFor(
    'the cloud link to show the site',
    async () => {
      await page.reload();
      return page.getByText('connected, in site Main entrance').isVisible();
    },
    TIMEOUT,
    300,
  );
  await shot('home');

  // 3. System → Auto Provisioning → Generate New → Yes.
  await tab('System').click();
  await shot('system');
  await sections().getByRole('link', { name: 'Auto Provisioning' }).click();
  await visible('My2N Security Code');
  const oldCode = await readCode(page);
  assert.equal(oldCode, unit.securityCode, 'the device shows the code of the certificate');
  await shot('auto-provisioning');
  await page.getByRole('button', { name: 'Generate New' }).click();
  await visible(/no longer valid/);
  await shot('generate-new-confirm');
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await visible(/A new My2N Security Code was generated/);
  const newCode = await readCode(page);
  assert.notEqual(newCode, oldCode);
  await shot('generate-new-done');

  // The cloud refuses the old code and accepts the new one (a move to another account).
  await waitFor(
    'the owner to be told of the new code',
    async () => {
      const answer = await owner.client.get('/api/notifications');
      return (answer.body?.items as Array<{ kind: string }> | undefined)?.some(
        (n) => n.kind === 'code-regenerated',
      );
    },
    5000,
    100,
  );
  const taker = await registerAccount({ url: cloudUrl });
  const takerSite = await createSite(taker.client, 'New owner');
  const withOld = await claim(taker.client, takerSite.id, unit.serialNumber, oldCode);
  assert.equal(withOld.status, 422, withOld.text);
  assert.equal(withOld.body.error.code, 'SECURITY_CODE_REPLACED');
  const withNew = await claim(taker.client, takerSite.id, unit.serialNumber, newCode);
  assert.equal(withNew.status, 201, withNew.text);
  assert.equal(withNew.body.outcome, 'moved');
  await tab('Home').click();
  await waitFor(
    'Home to show the new site',
    async () => {
      await page.reload();
      return page.getByText('connected, in site New owner').isVisible();
    },
    TIMEOUT,
    300,
  );
  await shot('home-moved');
  await tab('System').click();

  // Some configuration to find again after the reset: a static address (with a wrong try).
  await sections().getByRole('link', { name: 'Network' }).click();
  await page.getByLabel('Static address').check();
  await page.getByLabel('IP address').fill('192.168.1.300');
  await page.getByLabel('Network mask').fill('255.255.255.0');
  await page.getByRole('button', { name: 'Save' }).click();
  await visible(/is not an IPv4 address/);
  assert.equal(await page.getByLabel('IP address').getAttribute('aria-invalid'), 'true');
  await shot('network-field-error');
  await page.getByLabel('IP address').fill('192.168.1.50');
  await page.getByLabel('Default gateway').fill('192.168.1.1');
  await page.getByRole('button', { name: 'Save' }).click();
  await visible('The network settings are saved.');
  await shot('network-static');

  // 4. Maintenance → Backup configuration with a password → Download.
  await tab('Maintenance').click();
  await page.getByRole('heading', { name: 'Backup configuration' }).waitFor();
  await page.getByLabel('Password (optional)').fill('backup-secret');
  await shot('backup');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  const artifacts = join(repoRoot, 'test-artifacts');
  await mkdir(artifacts, { recursive: true });
  const backupFile = join(artifacts, `classic-backup-${download.suggestedFilename()}`);
  await download.saveAs(backupFile);
  assert.match(download.suggestedFilename(), /\.bak$/);
  assert.equal((await readFile(backupFile)).subarray(0, 4).toString(), 'LKBK');

  // 5. Reset Configuration + Network Settings and Certificates → Yes.
  await page.getByRole('button', { name: 'Reset Configuration' }).click();
  await page.getByLabel('Network Settings and Certificates').check();
  await shot('reset-confirm');
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await visible(/reset to default values, including the network settings/);
  await shot('after-reset');

  // 6. Log in with admin / 2n again and choose a new password.
  await logIn('2n');
  await chooseNewPassword('second-admin-password', 'second');
  await tab('System').click();
  await sections().getByRole('link', { name: 'Network' }).click();
  assert.equal(await page.getByLabel('DHCP').isChecked(), true, 'the reset brought DHCP back');
  await sections().getByRole('link', { name: 'Auto Provisioning' }).click();
  assert.equal(await readCode(page), newCode, 'a reset keeps the security code');

  // 7. Load the backup: a wrong password is refused next to the field, the right one loads it.
  await tab('Maintenance').click();
  await page.getByLabel('Configuration file').setInputFiles(backupFile);
  await page.getByLabel('Backup password').fill('not-the-password');
  await page.getByRole('button', { name: 'Load configuration' }).click();
  await visible(/password/i);
  assert.equal(await page.getByLabel('Backup password').getAttribute('aria-invalid'), 'true');
  await shot('load-wrong-password');
  await page.getByLabel('Configuration file').setInputFiles(backupFile);
  await page.getByLabel('Backup password').fill('backup-secret');
  await page.getByRole('button', { name: 'Load configuration' }).click();
  await visible('The configuration was loaded from the backup.');
  await shot('loaded');

  // The configuration came back: the static address, and the password of the backup.
  await tab('System').click();
  await sections().getByRole('link', { name: 'Network' }).click();
  assert.equal(await page.getByLabel('Static address').isChecked(), true);
  assert.equal(await page.getByLabel('IP address').inputValue(), '192.168.1.50');
  await shot('network-restored');
  for (const [section, heading] of [
    ['Date & Time', 'Date & Time'],
    ['Certificates', 'Certificates'],
    ['Users', 'Users'],
  ] as const) {
    await sections().getByRole('link', { name: section }).click();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await shot(`system-${section.toLowerCase().replace(/\W+/g, '-')}`);
  }
  await page.getByRole('button', { name: 'Log out' }).click();
  await logIn(firstPassword);
  await tab('Home').waitFor();
  await visible(unit.serialNumber);
  await shot('logged-in-with-restored-password');
});
