import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, type TestContext } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  assertFitsViewport,
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
} from '../helpers/browser.ts';
import { mintWithCli, startDeviceProcess, startServeProcess } from '../helpers/cli-rig.ts';
import { buildPortal } from '../helpers/portal-build.ts';

/** Generous: the suite runs two files at once on two cores. */
const WAIT = { timeout: 15_000 };
const ADMIN_PASSWORD = 'Intercom-Admin-2024';

function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-portal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Generate New in the device's web administration (its JSON API); answers the new code. */
async function generateNewCode(deviceUrl: string): Promise<string> {
  const login = await fetch(`${deviceUrl}/admin/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const generated = await fetch(`${deviceUrl}/admin/api/security-code/generate`, {
    method: 'POST',
    headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken },
  });
  assert.equal(generated.status, 200, await generated.clone().text());
  return ((await generated.json()) as { securityCode: string }).securityCode;
}

async function register(page: Page, url: string, who: { name: string; email: string }) {
  await page.goto(`${url}/register`);
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
  await assertFitsViewport(page);
}

async function createSite(page: Page, name: string) {
  await page.getByLabel('Site name').fill(name);
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor(WAIT);
  await assertFitsViewport(page);
}

/** Opens the add-device dialog, types serial and code, submits; answers the dialog. */
async function addDevice(page: Page, serial: string, code: string): Promise<Locator> {
  const dialog = page.getByRole('dialog', { name: 'Add a device' });
  if (!(await dialog.isVisible())) {
    await page.getByRole('button', { name: 'Add device' }).click();
  }
  await dialog.waitFor(WAIT);
  await dialog.getByLabel('Serial number').fill(serial);
  await dialog.getByLabel('Security code').fill(code);
  await dialog.getByRole('button', { name: 'Add device' }).click();
  return dialog;
}

const deviceRow = (page: Page, serial: string) =>
  page
    .getByRole('table', { name: 'Devices of this site' })
    .getByRole('row')
    .filter({ hasText: serial });

/** The error notices shown (toasts and form errors). */
const alerts = (page: Page) => page.getByRole('region', { name: 'Messages' }).getByRole('alert');

/** How people type what is on the certificate: no dashes, spaces, lower case. */
const sloppySerial = (serial: string) => serial.replace(/-/g, ' ');
const sloppyCode = (code: string) => code.replace(/-/g, '').toLowerCase();

describe('the cloud portal in a browser', () => {
  // The portal as `npm ci` builds it (prepare), built again so that the test sees the sources;
  // never in place, since other test files serve web/portal/dist meanwhile (buildPortal).
  before(() => buildPortal());

  itAtEachViewport(
    'adds, refuses, deletes and moves a device as the article describes, with live state',
    async (t, viewport) => {
      const dir = tempFolder(t);
      const { url } = await startServeProcess(t, dir);
      const [device] = await mintWithCli(dir, 1);
      assert.ok(device);
      const intercom = await startDeviceProcess(t, dir, device!, {
        cloudUrl: url,
        adminPassword: ADMIN_PASSWORD,
      });
      const browser: Browser = await launchBrowser(t);

      // Person A: a weak password is refused with what to do, then the account is created.
      const a = await openPortalPage(browser, viewport);
      await a.goto(`${url}/register`);
      await a.getByLabel('Your name').fill('Anna');
      await a.getByLabel('E-mail').fill('anna@example.com');
      await a.getByLabel('Password').fill('short');
      await a.getByRole('button', { name: 'Create account' }).click();
      await a.getByRole('alert').getByText('The password is too weak.').waitFor(WAIT);
      await screenshot(a, 'portal-register-password-too-weak');
      await register(a, url, { name: 'Anna', email: 'anna@example.com' });
      await screenshot(a, 'portal-sites-empty');
      await createSite(a, 'Main Street 1');

      // A adds the device with what `latchkey mint` printed, typed loosely.
      await addDevice(a, sloppySerial(device.serialNumber), sloppyCode(device.securityCode));
      await a
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was added to this site.`)
        .waitFor(WAIT);
      const rowA = deviceRow(a, device.serialNumber);
      await rowA.getByText(device.model).waitFor(WAIT);
      await rowA.getByText('Online').waitFor(WAIT);
      await screenshot(a, 'portal-devices-person-a');
      // The serial number is on one line, at every width (not `43-` / `0809-` / `2540`).
      const lines = await a.evaluate<number>(`(() => {
      // The serial's own text (the cell also holds its link to the device page, whose inline
      // box sits at another height than the monospace text inside it).
      const cell = [...document.querySelectorAll('tbody th .code')].find(
        (code) => code.textContent.trim() === ${JSON.stringify(device.serialNumber)},
      );
      const range = document.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    })()`);
      assert.equal(lines, 1, 'the serial number does not wrap');
      // The sites page lists the site (a table, stacked at phone width).
      await a.getByRole('link', { name: 'Sites', exact: true }).click();
      await a.getByRole('link', { name: 'Main Street 1' }).waitFor(WAIT);
      await screenshot(a, 'portal-sites');
      await a.getByRole('link', { name: 'Main Street 1' }).click();
      await rowA.getByText('Online').waitFor(WAIT);

      // Person B: the e-mail of A is taken; B registers with their own.
      const b = await openPortalPage(browser, viewport);
      await b.goto(`${url}/register`);
      await b.getByLabel('Your name').fill('Boris');
      await b.getByLabel('E-mail').fill('anna@example.com');
      await b.getByLabel('Password').fill('correct horse battery staple');
      await b.getByRole('button', { name: 'Create account' }).click();
      await b
        .getByRole('alert')
        .getByText('An account with this e-mail address already exists.')
        .first()
        .waitFor(WAIT);
      await register(b, url, { name: 'Boris', email: 'boris@example.com' });
      await createSite(b, 'Oak Avenue 7');

      // B tries the same device: "The device is already added", with its causes and next steps.
      await addDevice(b, device.serialNumber, device.securityCode);
      const alreadyAdded = b.getByRole('alert').filter({ hasText: 'The device is already added' });
      await alreadyAdded.waitFor(WAIT);
      await alreadyAdded.getByText(/you must first delete it from the old account/).waitFor(WAIT);
      await alreadyAdded.getByText(/try contacting them/).waitFor(WAIT);
      await alreadyAdded.getByText(/Generate New/).waitFor(WAIT);
      await alreadyAdded.getByText(/Integration/).waitFor(WAIT);
      await screenshot(b, 'portal-notification-device-already-added');

      // B mistypes the serial number.
      const digits = device.serialNumber.replace(/-/g, '');
      const typo = `${digits.slice(0, 9)}${(Number(digits[9]) + 1) % 10}`;
      await addDevice(b, typo, device.securityCode);
      const notFound = b.getByRole('alert').filter({ hasText: 'The Serial Number does not exist' });
      await notFound.waitFor(WAIT);
      await notFound.getByText(/CERTIFICATE OF OWNERSHIP/).waitFor(WAIT);
      // The new attempt's error replaces the earlier one, left open: one notice, not a pile.
      assert.equal(await alerts(b).count(), 1);
      await screenshot(b, 'portal-notification-serial-not-found');
      await b
        .getByRole('dialog', { name: 'Add a device' })
        .getByRole('button', { name: 'Cancel' })
        .click();

      // A deletes the device; the confirmation says what happens.
      await a.getByRole('button', { name: `Delete device ${device.serialNumber}` }).click();
      const confirm = a.getByRole('dialog', { name: `Delete device ${device.serialNumber}?` });
      await confirm.getByText(/can then be added elsewhere/).waitFor(WAIT);
      await screenshot(a, 'portal-dialog-delete-device');
      await confirm.getByRole('button', { name: 'Delete device' }).click();
      await a.getByText('No devices in this site yet.', { exact: false }).waitFor(WAIT);

      // Now B adds it; the error of the attempt before, still open, goes away.
      await addDevice(b, device.serialNumber, device.securityCode);
      await b
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was added to this site.`)
        .waitFor(WAIT);
      assert.equal(await alerts(b).count(), 0, 'no stale error notice after the success');
      const rowB = deviceRow(b, device.serialNumber);
      await rowB.getByText('Online').waitFor(WAIT);

      // The failed attempts are in B's audit log.
      const auditB = b.getByRole('table', { name: /Audit log/ });
      await auditB.getByRole('cell', { name: 'Refused (DEVICE_ALREADY_ADDED)' }).waitFor(WAIT);
      await auditB.getByRole('cell', { name: 'Refused (SERIAL_NOT_FOUND)' }).waitFor(WAIT);

      // Generate New on the device: B's bell counts it.
      const newCode = await generateNewCode(intercom.url);
      await b.reload();
      await b.getByRole('button', { name: /Notifications, 1 unread/ }).waitFor(WAIT);
      await rowB.getByText('Online').waitFor(WAIT);
      await screenshot(b, 'portal-devices-person-b');

      // The emulator stops: B's table says offline without a reload.
      await intercom.stop('SIGTERM');
      await rowB.getByText('Offline').waitFor(WAIT);
      await screenshot(b, 'portal-devices-person-b-offline');

      // A tries the code of the certificate: replaced by the one generated on the device.
      await addDevice(a, device.serialNumber, device.securityCode);
      const replaced = a.getByRole('alert').filter({
        hasText: 'This security code was replaced by a newer one generated on the device',
      });
      await replaced.waitFor(WAIT);
      await screenshot(a, 'portal-notification-security-code-replaced');
      // A mistypes the code.
      await addDevice(a, device.serialNumber, 'AAAA-BBBB-CCCC-DDDD');
      const invalid = a.getByRole('alert').filter({ hasText: 'The security code is not valid' });
      await invalid.waitFor(WAIT);
      await screenshot(a, 'portal-notification-security-code-invalid');

      // A takes the device with the new code: moved from another account; B is told.
      await addDevice(a, device.serialNumber, newCode);
      await a
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was moved from another account to this site.`)
        .waitFor(WAIT);
      assert.equal(await alerts(a).count(), 0, 'the errors of the attempts before went away');
      await screenshot(a, 'portal-notification-device-moved');
      await b.reload();
      await b.getByRole('button', { name: /Notifications, 2 unread/ }).click();
      const panel = b.getByRole('region', { name: 'Notifications' });
      await panel
        .getByText(`Device ${device.serialNumber} was moved to another account`)
        .waitFor(WAIT);
      await panel
        .getByText(`A new security code was generated on ${device.serialNumber}`)
        .waitFor(WAIT);
      await screenshot(b, 'portal-notifications-person-b');
      await assertFitsViewport(a);
    },
  );

  itAtEachViewport(
    'signs in again after the session expired, keeping what was typed; renames a site; keyboard',
    async (t, viewport) => {
      const dir = tempFolder(t);
      const { url } = await startServeProcess(t, dir);
      const [device] = await mintWithCli(dir, 1);
      assert.ok(device);
      const browser = await launchBrowser(t);
      const page = await openPortalPage(browser, viewport);
      const context = page.context();
      const expiredNotice = page.getByText('Your session has expired.', { exact: false });

      // A first visit: sent to sign in, with no word of an expired session it never had.
      await page.goto(`${url}/`);
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      assert.equal(await expiredNotice.count(), 0);
      await screenshot(page, 'portal-sign-in');
      await page.goto(`${url}/login`);
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      assert.equal(await expiredNotice.count(), 0);

      await register(page, url, { name: 'Carla', email: 'carla@example.com' });
      await createSite(page, 'Harbour Rd 3');

      // Rename the site.
      await page.getByRole('button', { name: 'Rename site' }).click();
      await page.getByLabel('New site name').fill('Harbour Road 3');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByRole('heading', { name: 'Harbour Road 3', level: 1 }).waitFor(WAIT);

      // The dialog by keyboard: focus starts in the first field, Escape closes it.
      await page.getByRole('button', { name: 'Add device' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Add a device' });
      await dialog.waitFor(WAIT);
      assert.ok(await dialog.getByLabel('Serial number').evaluate((el) => el.matches(':focus')));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', ...WAIT });

      // The session ends while the person types; the portal sends them to sign in, then back.
      await page.getByRole('button', { name: 'Add device' }).click();
      await dialog.getByLabel('Serial number').fill(device.serialNumber);
      await dialog.getByLabel('Security code').fill(device.securityCode);
      await context.clearCookies();
      await dialog.getByRole('button', { name: 'Add device' }).click();
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      await expiredNotice.waitFor(WAIT);
      assert.equal(await page.getByLabel('E-mail').inputValue(), 'carla@example.com');
      await screenshot(page, 'portal-session-expired');
      // A reload of the sign-in page still says so (the session really ended in this tab).
      await page.reload();
      await expiredNotice.waitFor(WAIT);

      // A wrong password first: said so.
      await page.getByLabel('E-mail').fill('carla@example.com');
      await page.getByLabel('Password').fill('not the password at all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('alert')
        .getByText('The e-mail address or the password is not correct.')
        .waitFor(WAIT);
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign in' }).click();

      // Back on the site, with the dialog and what was typed.
      await page.getByRole('heading', { name: 'Harbour Road 3', level: 1 }).waitFor(WAIT);
      await dialog.waitFor(WAIT);
      assert.equal(await dialog.getByLabel('Serial number').inputValue(), device.serialNumber);
      assert.equal(await dialog.getByLabel('Security code').inputValue(), device.securityCode);
      await dialog.getByRole('button', { name: 'Add device' }).click();
      await page
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was added to this site.`)
        .waitFor(WAIT);
      // Not linked yet: offline, never seen. Its emulator starts: online, without a reload.
      const row = deviceRow(page, device.serialNumber);
      await row.getByText('Offline').waitFor(WAIT);
      await row.getByText('last seen never').waitFor(WAIT);
      await startDeviceProcess(t, dir, device!, { cloudUrl: url, adminPassword: ADMIN_PASSWORD });
      await row.getByText('Online').waitFor(WAIT);

      // Too many failed attempts: said so, with when to try again.
      const failures = await page.evaluate(async () => {
        const me = (await (await fetch('/api/me')).json()) as { csrfToken: string };
        const sites = (await (await fetch('/api/sites')).json()) as { items: { id: string }[] };
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++) {
          const response = await fetch(`/api/sites/${sites.items[0]!.id}/devices`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken },
            body: JSON.stringify({
              serialNumber: '00-0000-0000',
              securityCode: 'AAAA-BBBB-CCCC-DDDD',
            }),
          });
          statuses.push(response.status);
        }
        return statuses;
      });
      assert.deepEqual(new Set(failures), new Set([404]));
      await addDevice(page, '00-0000-0001', 'AAAA-BBBB-CCCC-DDDD');
      const tooMany = page.getByRole('alert').filter({ hasText: 'Too many failed attempts' });
      await tooMany.getByText(/You can try again in about \d+ minutes?\./).waitFor(WAIT);
      await screenshot(page, 'portal-notification-too-many-attempts');
      await page
        .getByRole('dialog', { name: 'Add a device' })
        .getByRole('button', { name: 'Cancel' })
        .click();

      // Signing out ends the session.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      const me = await page.evaluate(async () => (await fetch('/api/me')).status);
      assert.equal(me, 401);
      // Signed out on purpose: no "expired" notice, also when opening a site's address again.
      assert.equal(await expiredNotice.count(), 0);
      await page.goto(`${url}/sites/some-site`);
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      assert.equal(await expiredNotice.count(), 0);
      await screenshot(page, 'portal-signed-out');
    },
  );

  itAtEachViewport(
    'fits the window with the longest names the cloud accepts (no spaces to wrap at)',
    async (t, viewport) => {
      const dir = tempFolder(t);
      const { url } = await startServeProcess(t, dir);
      const [device] = await mintWithCli(dir, 1);
      assert.ok(device);
      const browser = await launchBrowser(t);
      const page = await openPortalPage(browser, viewport);
      // The limits of the API: names of 100 characters, an e-mail address of 254.
      const name = 'Wolfeschlegelsteinhausenbergerdorff'.repeat(3).slice(0, 100);
      const email = `${'x'.repeat(64)}@${'mail'.repeat(44)}x.example.com`;
      assert.equal(email.length, 254);
      const siteName = 'W'.repeat(100);

      await page.goto(`${url}/register`);
      await page.getByLabel('Your name').fill(name);
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByLabel('Company name (optional)').fill(name);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
      await page.getByText(email).waitFor(WAIT);
      await createSite(page, siteName);
      await addDevice(page, device.serialNumber, device.securityCode);
      await page
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was added to this site.`)
        .waitFor(WAIT);
      await deviceRow(page, device.serialNumber).getByText('Offline').waitFor(WAIT);
      await page
        .getByRole('table', { name: /Audit log/ })
        .getByText(email)
        .waitFor(WAIT);
      await screenshot(page, 'portal-long-names-site');
      await page.getByRole('button', { name: `Delete device ${device.serialNumber}` }).click();
      await page
        .getByRole('dialog', { name: `Delete device ${device.serialNumber}?` })
        .waitFor(WAIT);
      await screenshot(page, 'portal-long-names-dialog-delete');
      await page.keyboard.press('Escape');
      await page.getByRole('link', { name: 'Sites', exact: true }).click();
      await page.getByRole('link', { name: siteName }).waitFor(WAIT);
      await screenshot(page, 'portal-long-names-sites');
    },
  );
});
