import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  assertFitsViewport,
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
  whatPageShows,
  shows as showsWithin,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import {
  codeFor,
  DEFAULT_PASSWORD,
  joinCompany,
  mintDevices,
  registerAccount,
  uniqueEmail,
} from '../helpers/factories.ts';
import { buildPortal } from '../helpers/portal-build.ts';
import { repoRoot } from '../helpers/processes.ts';

const exec = promisify(execFile);

/** Generous: browser tests share two cores, and a sync crosses the link twice. */
const WAIT = { timeout: 20_000 };
/** What `startLinkedEmulator` sets as the device's admin password. */
const DEVICE_ADMIN_PASSWORD = 'emulator-admin-1';
const RESIDENT = 'Anna Novák';
const PIN = '4821';

/** Waits for `locator`; on a timeout, says what the page showed. */
const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

async function registerAndCreateSite(page: Page, url: string, siteName: string) {
  await page.goto(`${url}/register`);
  await page.getByLabel('Your name').fill('Petra Správcová');
  await page.getByLabel('E-mail').fill(uniqueEmail('manager'));
  await page.getByLabel('Password').fill(DEFAULT_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await shows(page, page.getByRole('heading', { name: 'Sites', level: 1 }));
  await page.getByLabel('Site name').fill(siteName);
  await page.getByLabel('Type of site').selectOption('apartment-building');
  await screenshot(page, 'buildings-create-site');
  await page.getByRole('button', { name: 'Create site' }).click();
  await shows(page, page.getByRole('heading', { name: siteName, level: 1 }));
  await shows(page, page.getByText(/Apartment building · Company:/));
}

async function claimInPortal(page: Page, serialNumber: string, securityCode: string) {
  await page.getByRole('button', { name: 'Add device' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a device' });
  await dialog.getByLabel('Serial number').fill(serialNumber);
  await dialog.getByLabel('Security code').fill(securityCode);
  await dialog.getByRole('button', { name: 'Add device' }).click();
  await shows(
    page,
    page.getByRole('status').getByText(`The device ${serialNumber} was added to this site.`),
  );
}

async function addApartmentAndResident(page: Page, serialNumber: string) {
  await page.getByRole('button', { name: 'Add apartment' }).click();
  const apartmentDialog = page.getByRole('dialog', { name: 'Add an apartment' });
  await apartmentDialog.getByLabel('Apartment name').fill('12');
  await apartmentDialog.getByLabel('Floor').fill('3');
  await apartmentDialog.getByRole('button', { name: 'Add apartment' }).click();
  const apartment = page.getByRole('group', { name: 'Apartment 12' });
  await shows(page, apartment.getByText('Nobody lives here yet.'));

  await apartment.getByRole('button', { name: 'Add resident' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a resident' });
  await dialog.getByLabel('Name', { exact: true }).fill(RESIDENT);
  await dialog.getByLabel('E-mail').fill('anna@example.com');
  // A PIN the device's keypad cannot take: the cloud's field error shows beside the field.
  await dialog.getByLabel('PIN', { exact: true }).fill('12ab');
  await dialog.getByRole('checkbox', { name: `Switch 1 of ${serialNumber}` }).check();
  await dialog.getByLabel('Call target').fill('sip:1012@pbx.example.com');
  await dialog.getByRole('button', { name: 'Add resident' }).click();
  const pin = dialog.getByLabel('PIN', { exact: true });
  await shows(page, dialog.locator('#resident-pin-error'));
  assert.equal(await pin.getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'buildings-resident-pin-error');

  await pin.fill(PIN);
  await dialog.getByRole('button', { name: 'Add resident' }).click();
  await shows(page, apartment.getByRole('rowheader', { name: RESIDENT }));
  const row = apartment.getByRole('row').filter({ hasText: RESIDENT });
  await shows(page, row.getByText('PIN', { exact: true }));
  await shows(page, row.getByText(`${serialNumber} switch 1`));
}

/** The device's own new web interface, logged in as its administrator. */
async function openDeviceUi(browser: Browser, t: TestContext, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  await page.goto(`${url}/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(DEVICE_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
  return page;
}

async function goOnDevice(page: Page, section: string, item: string, heading: string) {
  const menu = page.getByRole('navigation', { name: 'Main menu' });
  const button = menu.getByRole('button', { name: section, exact: true });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await menu.getByRole('link', { name: item, exact: true }).click();
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

/** A file with one good and one bad row (a PIN with letters), in the columns of the README. */
const CSV_ONE_BAD_ROW = [
  'apartment,floor,name,email,pin,cards,validFrom,validTo,enabled,access,callTarget',
  '14,4,Jan Dvořák,jan@example.com,5512,,,,true,,sip:1014@pbx.example.com',
  '15,4,Eva Malá,eva@example.com,12ab,,,,true,,',
].join('\r\n');

describe('buildings in the portal: residents to the door and back', () => {
  before(async () => {
    await buildPortal();
    if (!existsSync(join(repoRoot, 'web', 'device', 'dist', 'index.html'))) {
      await exec('npm', ['run', 'build:device'], { cwd: repoRoot });
    }
  });

  for (const dialect of testDialects) {
    itAtEachViewport(
      `a resident added in the portal opens the door with a PIN, and the access log shows it live (${dialect.name})`,
      async (t, viewport) => {
        const cloud = await startTestCloud(t, dialect);
        const [device] = await mintDevices(cloud, 1);
        assert.ok(device);
        const serial = device.serialNumber;
        const emulator = await startLinkedEmulator(t, device, cloud.url);
        const browser = await launchBrowser(t);
        const portal = await openPortalPage(browser, viewport);
        const shot = (name: string) => screenshot(portal, `buildings-${dialect.name}-${name}`);

        await registerAndCreateSite(portal, cloud.url, 'Vinohradská 12');
        await claimInPortal(portal, serial, codeFor(device, 0));
        const deviceRow = portal
          .getByRole('table', { name: 'Devices of this site' })
          .getByRole('row')
          .filter({ hasText: serial });
        await shows(portal, deviceRow.getByText('Online'));
        assert.equal(
          await deviceRow.getByLabel(`Configuration mode of ${serial}`).inputValue(),
          'automatic',
        );

        await addApartmentAndResident(portal, serial);
        await shot('resident-added');

        // The cloud writes the directory onto the device: the badge turns "In sync", no reload.
        await shows(portal, deviceRow.getByText(/^In sync at version \d+$/));
        await assertFitsViewport(portal);
        await shot('device-in-sync');

        // On the device's own interface the resident is listed, managed by My2N.
        const ui = await openDeviceUi(browser, t, emulator.running.url);
        await goOnDevice(ui, 'Directory', 'Users', 'Directory');
        const entry = ui.getByRole('row').filter({ hasText: RESIDENT });
        await entry.waitFor();
        await entry.getByText(/My2N/).waitFor();
        await screenshot(ui, `buildings-${dialect.name}-device-directory`);

        // The resident types the PIN on the front panel: access granted, switch 1.
        await goOnDevice(ui, 'Hardware', 'Front panel', 'Front panel');
        await ui.getByLabel('Code', { exact: true }).fill(PIN);
        await ui.getByRole('button', { name: 'Enter code' }).click();
        await ui
          .getByRole('status')
          .filter({ hasText: `Access granted for ${RESIDENT}: switch 1 opened.` })
          .first()
          .waitFor();

        // The portal's access log shows it, without a reload.
        const log = portal.getByRole('table', { name: /Access log of this site/ });
        const granted = log.getByRole('row').filter({ hasText: `${RESIDENT}, apartment 12` });
        await shows(portal, granted);
        await shows(portal, granted.getByText('PIN', { exact: true }));
        await shows(portal, granted.getByText(`${serial}, switch 1`));
        await shows(portal, granted.getByText('Granted', { exact: true }));
        await shot('access-log-granted');

        // A wrong code is refused, and shows as refused; the filter keeps only refusals.
        await ui.getByLabel('Code', { exact: true }).fill('9999');
        await ui.getByRole('button', { name: 'Enter code' }).click();
        await shows(portal, log.getByText(/^Refused/).first());
        await portal.getByLabel('Result').selectOption('refused');
        await shows(portal, log.getByText(/^Refused/).first());
        await waitForCount(portal, log.getByText('Granted', { exact: true }), 0);
        await portal.getByLabel('Result').selectOption('all');

        // Actions: open the door from the portal; the device answers, the log says "remotely".
        await deviceRow.getByRole('button', { name: `Actions for device ${serial}` }).click();
        const actions = portal.getByRole('dialog', { name: `Device ${serial}` });
        await actions.getByLabel('Switch', { exact: true }).selectOption('1');
        await actions.getByRole('button', { name: 'Open door' }).click();
        await shows(portal, actions.getByRole('status').getByText('The device opened switch 1.'));
        await actions.getByRole('button', { name: 'Ask for its state' }).click();
        await shows(
          portal,
          actions.getByRole('status').getByText('The device answered with its state.'),
        );
        await actions.getByLabel('Name', { exact: true }).fill('Main entrance');
        await actions.getByRole('button', { name: 'Save name' }).click();
        await shows(portal, actions.getByText('The name was saved.'));
        await shot('device-actions');
        await actions.getByRole('button', { name: 'Close' }).click();
        await shows(portal, log.getByText('Opened remotely').first());
        await shows(portal, log.getByText('Main entrance, switch 1').first());

        // The device goes offline: an action says so in the cloud's words.
        await emulator.link.stop();
        await shows(portal, deviceRow.getByText('Offline'));
        await deviceRow.getByRole('button', { name: `Actions for device ${serial}` }).click();
        await actions.getByRole('button', { name: 'Open door' }).click();
        await shows(
          portal,
          actions
            .getByRole('alert')
            .getByText(/offline/i)
            .first(),
        );
        await shot('device-action-offline');
        await actions.getByRole('button', { name: 'Close' }).click();

        // A CSV file with one bad row: the preview names the row; nothing can be applied.
        await portal.getByRole('button', { name: 'Import from CSV' }).click();
        const importing = portal.getByRole('dialog', { name: 'Import residents' });
        await importing.getByLabel('CSV file').setInputFiles({
          name: 'residents.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(CSV_ONE_BAD_ROW),
        });
        const rows = importing.getByRole('table', { name: 'Rows of the file' });
        await shows(portal, rows.getByRole('row').filter({ hasText: 'New resident' }));
        const bad = rows
          .getByRole('row')
          // At phone width the stacked table's cells lose their role: find the outcome by its label.
          .filter({ has: portal.locator('[data-label="Outcome"]', { hasText: /^Error$/ }) });
        await shows(portal, bad);
        assert.equal(await bad.count(), 1, 'exactly one bad row');
        assert.match(await bad.innerText(), /pin/i);
        await shows(
          portal,
          importing.getByRole('status').getByText('1 row has errors', { exact: false }),
        );
        assert.equal(
          await importing.getByRole('button', { name: /^Import \d+ resident/ }).count(),
          0,
        );
        await shot('import-preview-bad-row');
        await importing.getByRole('button', { name: 'Cancel' }).click();
        // Nothing was imported: apartment 14 does not exist.
        assert.equal(await portal.getByRole('group', { name: 'Apartment 14' }).count(), 0);

        // A viewer of the site reads residents (without credentials) and the log; no write buttons.
        const siteId = new URL(portal.url()).pathname.split('/')[2]!;
        const { company_id: companyId } = await cloud.store.db
          .selectFrom('sites')
          .select('company_id')
          .where('id', '=', siteId)
          .executeTakeFirstOrThrow();
        const vera = await registerAccount(cloud, { name: 'Vera Viewer' });
        await joinCompany(cloud, vera, companyId, 'member', [{ siteId, role: 'viewer' }]);
        const viewer = await openPortalPage(browser, viewport);
        await signInInPortal(viewer, cloud.url, vera);
        await viewer.getByLabel('Company', { exact: true }).selectOption(companyId);
        await viewer.getByRole('link', { name: 'Vinohradská 12' }).click();
        const seen = viewer.getByRole('group', { name: 'Apartment 12' });
        const annaSeen = seen.getByRole('row').filter({ hasText: RESIDENT });
        await shows(viewer, annaSeen.getByText('Hidden', { exact: true }));
        await shows(
          viewer,
          viewer
            .getByRole('table', { name: /Access log of this site/ })
            .getByText(`${RESIDENT}, apartment 12`),
        );
        for (const name of ['Add apartment', 'Import from CSV', 'Add resident', 'Sync now']) {
          assert.equal(await viewer.getByRole('button', { name }).count(), 0, name);
        }
        assert.equal(await viewer.getByRole('button', { name: /^Actions for device/ }).count(), 0);
        assert.equal(await viewer.getByLabel(`Configuration mode of ${serial}`).count(), 0);
        await screenshot(viewer, `buildings-${dialect.name}-viewer`);
      },
    );
  }
});

/** Waits until `locator` matches `count` elements (a list that reloads, live). */
async function waitForCount(page: Page, locator: Locator, count: number): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline) {
      throw new Error(`expected ${count} of ${String(locator)}: ${await whatPageShows(page)}`);
    }
    await page.waitForTimeout(100);
  }
}
