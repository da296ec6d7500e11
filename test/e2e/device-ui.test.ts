import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { claim, createSite, registerAccount, type Account } from '../helpers/factories.ts';
import {
  mintWithCli,
  startDeviceProcess,
  startServeProcess,
  type MintedByCli,
} from '../helpers/cli-rig.ts';
import { repoRoot } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);
const CODE = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/;
const TIMEOUT = 15_000;
const EVERYTHING = 'Reset everything (network settings and certificates included)';

type Minted = MintedByCli;

before(async () => {
  // The emulator serves web/device/dist; build it once if this checkout has no build yet.
  if (!existsSync(join(repoRoot, 'web', 'device', 'dist', 'index.html'))) {
    await exec('npm', ['run', 'build:device'], { cwd: repoRoot });
  }
});

/**
 * The article's steps in the device's new web interface, by visible labels, in a real browser
 * against a real emulator linked to a real cloud: once at desktop width and once at phone width,
 * each on its own intercom.
 */
test('new web interface: the article step by step at desktop and phone width', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'latchkey-device-ui-'));
  t.after(() => rm(work, { recursive: true, force: true }));

  // A real cloud, two devices minted into it with the real CLI, owned by one account.
  const { url: cloudUrl } = await startServeProcess(t, work);
  const minted = await mintWithCli(work, 2);
  assert.equal(minted.length, 2);

  const owner = await registerAccount({ url: cloudUrl });
  const ownerSite = await createSite(owner.client, 'Main entrance');
  const taker = await registerAccount({ url: cloudUrl });
  const takerSite = await createSite(taker.client, 'New owner');

  // Each intercom linked to the cloud, with the factory password 2n.
  const deviceUrls: string[] = [];
  for (const unit of minted) {
    const added = await claim(owner.client, ownerSite.id, unit.serialNumber, unit.securityCode);
    assert.equal(added.status, 201, added.text);
    deviceUrls.push((await startDeviceProcess(t, work, unit, { cloudUrl })).url);
  }

  const browser = await launchBrowser(t);
  await walkThrough(browser, {
    width: 1280,
    height: 800,
    deviceUrl: deviceUrls[0]!,
    unit: minted[0]!,
    owner,
    taker,
    takerSiteId: takerSite.id,
  });
  await walkThrough(browser, {
    width: 390,
    height: 844,
    deviceUrl: deviceUrls[1]!,
    unit: minted[1]!,
    owner,
    taker,
    takerSiteId: takerSite.id,
  });
});

async function walkThrough(
  browser: Browser,
  options: {
    width: number;
    height: number;
    deviceUrl: string;
    unit: Minted;
    owner: Account;
    taker: Account;
    takerSiteId: string;
  },
) {
  const { unit, deviceUrl } = options;
  const phone = options.width < 760;
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: options.width, height: options.height },
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    // The interface is served with a strict Content-Security-Policy; it must not trip it.
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    let step = 0;
    const shot = (name: string) =>
      screenshot(page, `device-ui-${options.width}-${String(++step).padStart(2, '0')}-${name}`);
    const visible = (text: string | RegExp) => page.getByText(text).first().waitFor();
    const heading = (name: string) => page.getByRole('heading', { name, exact: true }).waitFor();

    /** Main menu → section → page, opening the collapsed menu first at phone width. */
    async function go(section: string, item: string) {
      if (phone) {
        // At phone width the menu is collapsed behind its button.
        const menuButton = page.getByRole('button', { name: 'Menu' });
        if ((await menuButton.getAttribute('aria-expanded')) !== 'true') await menuButton.click();
        await page.getByRole('button', { name: 'Menu', expanded: true }).waitFor();
      } else {
        assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), false);
      }
      const menu = page.getByRole('navigation', { name: 'Main menu' });
      if (section !== 'Dashboard') {
        const sectionButton = menu.getByRole('button', { name: section, exact: true });
        if ((await sectionButton.getAttribute('aria-expanded')) !== 'true') {
          await sectionButton.click();
        }
      }
      await menu.getByRole('link', { name: item, exact: true }).click();
    }
    async function logIn(password: string) {
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
    }
    async function chooseNewPassword(password: string, name: string) {
      await heading('Choose a new password');
      await shot(`${name}-forced-change`);
      await page.getByLabel('New password', { exact: true }).fill(password);
      await page.getByLabel('Confirm new password').fill(password);
      await page.getByRole('button', { name: 'Save password' }).click();
      await page
        .getByRole('heading', { name: 'Choose a new password' })
        .waitFor({ state: 'hidden' });
    }
    async function readCode(p: Page): Promise<string> {
      const locator = p.getByLabel('Security code');
      await waitFor(
        'the security code',
        async () => CODE.test(await locator.innerText()),
        TIMEOUT,
        100,
      );
      return (await locator.innerText()).trim();
    }

    // 1. Log in with admin / 2n; the factory password must be changed first (the device's rule).
    await page.goto(`${deviceUrl}/`);
    await heading('Log in to the intercom');
    await shot('login');
    await logIn('2n');
    await heading('Choose a new password');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Confirm new password').fill('short');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /at least 8 characters/ })
      .waitFor();
    await shot('password-too-short');
    const firstPassword = `first-password-${options.width}`;
    await chooseNewPassword(firstPassword, 'first');

    // 2. The dashboard: model, serial number, firmware, uptime and the cloud link, live.
    await heading('Dashboard');
    await visible(unit.serialNumber);
    await page.getByText('Connected', { exact: true }).first().waitFor();
    await visible('Main entrance');
    await shot('dashboard');
    if (phone) {
      // The collapsed menu: its button says whether it is open; Escape closes it.
      await page.getByRole('button', { name: 'Menu', expanded: false }).click();
      await page.getByRole('navigation', { name: 'Main menu' }).waitFor();
      await shot('menu-open');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Menu', expanded: false }).waitFor();
      assert.equal(await page.getByRole('navigation', { name: 'Main menu' }).isVisible(), false);
    }

    // 3. Integration → Autoprovisioning → My2N → Generate New (with a confirmation).
    await go('Integration', 'Autoprovisioning');
    await heading('Autoprovisioning');
    await page.getByRole('link', { name: 'My2N', exact: true }).click();
    await heading('My2N');
    const oldCode = await readCode(page);
    assert.equal(oldCode, unit.securityCode, 'the device shows the code of the certificate');
    await shot('my2n');
    await page.getByRole('button', { name: 'Generate New' }).click();
    const dialog = page.getByRole('dialog', { name: 'Generate a new security code?' });
    await dialog.waitFor();
    await shot('generate-new-confirm');
    await dialog.getByRole('button', { name: 'Generate', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /no longer valid/ })
      .waitFor();
    const newCode = await readCode(page);
    assert.notEqual(newCode, oldCode);
    await shot('generate-new-done');

    // The cloud refuses the old code and accepts the new one (the device moves to the taker).
    await waitFor(
      'the owner to be told of the new code',
      async () => {
        const answer = await options.owner.client.get('/api/notifications');
        return (answer.body?.items as unknown[] | undefined)?.some((n) => {
          const text = JSON.stringify(n);
          return text.includes('code-regenerated') && text.includes(unit.serialNumber);
        });
      },
      5000,
      100,
    );
    const withOld = await claim(
      options.taker.client,
      options.takerSiteId,
      unit.serialNumber,
      oldCode,
    );
    assert.equal(withOld.status, 422, withOld.text);
    assert.equal(withOld.body.error.code, 'SECURITY_CODE_REPLACED');
    const withNew = await claim(
      options.taker.client,
      options.takerSiteId,
      unit.serialNumber,
      newCode,
    );
    assert.equal(withNew.status, 201, withNew.text);
    assert.equal(withNew.body.outcome, 'moved');
    await visible('New owner');
    await shot('my2n-moved');

    // Some configuration to find again after the reset: a user in the directory.
    await go('Directory', 'Users');
    await heading('Directory');
    await page.getByLabel('Name', { exact: true }).fill('Reception');
    await page.getByLabel('Number to call (phone number or SIP address)').fill('sip:100@pbx');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('rowheader', { name: 'Reception' }).waitFor();
    await shot('directory');

    // 4. System → Maintenance → backup with a password → Download.
    await go('System', 'Maintenance');
    await heading('Maintenance');
    await page.getByLabel('Backup password (optional)').fill('backup-secret');
    await shot('backup');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    const artifacts = join(repoRoot, 'test-artifacts');
    await mkdir(artifacts, { recursive: true });
    const backupFile = join(
      artifacts,
      `device-ui-${options.width}-${download.suggestedFilename()}`,
    );
    await download.saveAs(backupFile);
    assert.match(download.suggestedFilename(), /\.bak$/);
    assert.equal((await readFile(backupFile)).subarray(0, 4).toString(), 'LKBK');

    // 5. Reset device to default → reset everything → confirm.
    await page.getByRole('button', { name: 'Reset device to default' }).click();
    await page.getByLabel(EVERYTHING).check();
    await shot('reset-choice');
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset the device to default?' });
    await confirm.waitFor();
    await shot('reset-confirm');
    await confirm.getByRole('button', { name: 'Confirm reset' }).click();
    await heading('Log in to the intercom');
    await visible(/reset to default, network settings and certificates included/);
    await shot('after-reset');

    // 6. Log in with admin / 2n again and choose a new password; the directory is empty now.
    await logIn('2n');
    await chooseNewPassword(`second-password-${options.width}`, 'second');
    await go('Directory', 'Users');
    await visible('The directory is empty.');
    await go('Integration', 'Autoprovisioning');
    assert.equal(await readCode(page), newCode, 'a reset keeps the security code');

    // 7. Restore the backup: a wrong password is refused, the right one restores it.
    await go('System', 'Maintenance');
    await page.getByLabel('Backup file').setInputFiles(backupFile);
    await page.getByLabel('Password of the backup (if encrypted)').fill('not-the-password');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    await shot('restore-wrong-password');
    await page.getByLabel('Backup file').setInputFiles(backupFile);
    await page.getByLabel('Password of the backup (if encrypted)').fill('backup-secret');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /was restored/ })
      .waitFor();
    await shot('restored');

    // The configuration came back: the directory user, and the password of the backup.
    await go('Directory', 'Users');
    await page.getByRole('rowheader', { name: 'Reception' }).waitFor();
    await shot('directory-restored');
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading('Log in to the intercom');
    await logIn(firstPassword);
    await go('Dashboard', 'Dashboard');
    await heading('Dashboard');
    await visible(unit.serialNumber);
    await shot('logged-in-with-restored-password');
    assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
  } catch (error) {
    for (const open of context.pages()) {
      await screenshot(open, `device-ui-${options.width}-failure`).catch(() => {});
    }
    throw error;
  } finally {
    await context.close();
  }
}
