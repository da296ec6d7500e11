import assert from 'node:assert/strict';
import { before, describe } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
  shows as showsWithin,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { buildPortal } from '../helpers/portal-build.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 20_000 };

/** Waits for `locator`; on a timeout, says what the page showed. */
const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

const deviceRows = (page: Page) =>
  page.getByRole('table', { name: 'Devices of this site' }).locator('tbody tr');

describe('devices in the portal: bulk moves and deletes, the device page, the search', () => {
  before(async () => {
    await buildPortal();
  });

  for (const dialect of testDialects) {
    itAtEachViewport(
      `moves two devices at once, deletes one, names one on its page and finds it (${dialect.name})`,
      async (t, viewport) => {
        const cloud = await startTestCloud(t, dialect);
        const anna = await registerAccount(cloud, { name: 'Anna Správcová' });
        const north = await createSite(anna.client, 'Vinohradská 12');
        await createSite(anna.client, 'Korunní 3');
        const minted = await mintDevices(cloud, 3);
        for (const device of minted) {
          const added = await claim(
            anna.client,
            north.id,
            device.serialNumber,
            device.securityCode,
          );
          assert.equal(added.status, 201, added.text);
        }
        const [first, second, third] = minted.map((d) => d.serialNumber).sort();
        const browser = await launchBrowser(t);
        const page = await openPortalPage(browser, viewport);
        const shot = (step: string) => screenshot(page, `device-page-${dialect.name}-${step}`);

        await signInInPortal(page, cloud.url, anna);
        await page.getByRole('link', { name: 'Vinohradská 12' }).click();
        await shows(page, page.getByRole('heading', { name: 'Vinohradská 12', level: 1 }));
        await shows(page, deviceRows(page).nth(2));

        // Two devices selected, moved to the other site in one go.
        await page.getByRole('checkbox', { name: `Select device ${first}` }).check();
        await page.getByRole('checkbox', { name: `Select device ${second}` }).check();
        await shows(page, page.getByText('2 selected'));
        await shot('1-selected');
        await page.getByRole('button', { name: 'Move to site…' }).click();
        const move = page.getByRole('dialog', { name: 'Move devices to another site' });
        await move.getByLabel('Move to').selectOption({ label: 'Korunní 3' });
        await shot('2-move-dialog');
        await move.getByRole('button', { name: 'Move', exact: true }).click();
        await shows(page, page.getByText('2 devices moved to Korunní 3.'));
        // The list is read again after the moves: wait until the moved rows are gone.
        for (const gone of [first!, second!]) {
          await deviceRows(page)
            .filter({ hasText: gone })
            .waitFor({ ...WAIT, state: 'detached' });
        }
        await shows(page, deviceRows(page).filter({ hasText: third! }));
        assert.equal(await deviceRows(page).count(), 1);

        // In the other site: both are there; one is deleted.
        await page.getByRole('link', { name: 'Sites', exact: true }).click();
        await page.getByRole('link', { name: 'Korunní 3' }).click();
        await shows(page, page.getByRole('heading', { name: 'Korunní 3', level: 1 }));
        await shows(page, deviceRows(page).nth(1));
        await page.getByRole('checkbox', { name: 'Select all' }).check();
        await page.getByRole('checkbox', { name: `Select device ${first}` }).uncheck();
        await shows(page, page.getByText('1 selected'));
        await page
          .getByRole('toolbar', { name: 'Selected devices' })
          .getByRole('button', { name: 'Delete' })
          .click();
        const confirm = page.getByRole('dialog', { name: 'Delete 1 device?' });
        await confirm.getByRole('button', { name: 'Delete' }).click();
        await shows(page, page.getByText('1 device deleted from this site.'));
        await deviceRows(page)
          .filter({ hasText: second! })
          .waitFor({ ...WAIT, state: 'detached' });
        await shows(page, deviceRows(page).filter({ hasText: first! }));
        assert.equal(await deviceRows(page).count(), 1);
        await shot('3-after-delete');

        // The device page: named and placed in place, its timeline tells the move and the naming.
        await page.getByRole('link', { name: first! }).click();
        await shows(page, page.getByRole('heading', { name: first!, level: 1 }));
        await page.getByRole('button', { name: 'Edit name and location' }).click();
        const naming = page.getByRole('form', { name: 'Name and location' });
        await naming.getByLabel('Display name').fill('Main door');
        await naming.getByLabel('Location').fill('Main entrance');
        await naming.getByRole('button', { name: 'Save' }).click();
        await shows(page, page.getByRole('heading', { name: 'Main door', level: 1 }));
        await shows(page, page.getByText('Location: Main entrance'));
        const timeline = page.getByRole('list', { name: 'Timeline of the device, newest first' });
        await shows(
          page,
          timeline.getByText("Changed a device's name, location or Configuration Mode"),
        );
        await shows(page, timeline.getByText('Moved a device in from another site or account'));
        await shows(page, timeline.getByText('Added a device'));
        await shows(page, timeline.getByText('(from Vinohradská 12)'));
        await shot('4-device-page');

        // The company-wide search finds it by its name.
        await page.getByRole('link', { name: 'Devices', exact: true }).click();
        await shows(page, page.getByRole('heading', { name: 'Devices', level: 1 }));
        await page.getByLabel('Search', { exact: true }).fill('main door');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        const found = page.getByRole('table', { name: 'Devices found, by serial number' });
        await shows(page, found.getByRole('row').filter({ hasText: 'Main door' }));
        // The list before the search showed the other device too: wait for the answer.
        await found
          .getByRole('row')
          .filter({ hasText: third! })
          .waitFor({ ...WAIT, state: 'detached' });
        assert.equal(await found.locator('tbody tr').count(), 1);
        await shows(page, found.getByRole('link', { name: 'Korunní 3' }));
        await shot('5-search');
      },
    );
  }
});
