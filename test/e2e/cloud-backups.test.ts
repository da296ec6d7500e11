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
import { sqliteTestDialect } from '../helpers/databases.ts';
import { buildPortal } from '../helpers/portal-build.ts';
import { startDoorSite } from '../link/door.helpers.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 20_000 };

const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

const backupRows = (page: Page) =>
  page.getByRole('list', { name: 'Backups, newest first' }).getByRole('listitem');

describe('configuration backups in the portal', () => {
  before(async () => {
    await buildPortal();
  });

  itAtEachViewport(
    'backs a device up now, lists it, and restores it after a confirmation',
    async (t, viewport) => {
      const { cloud, owner, serial, emulator } = await startDoorSite(t, sqliteTestDialect);
      const device = emulator.running.device;
      const browser = await launchBrowser(t);
      const page = await openPortalPage(browser, viewport);
      const shot = (step: string) => screenshot(page, `cloud-backups-${viewport.name}-${step}`);

      await signInInPortal(page, cloud.url, owner);
      await page.goto(`${cloud.url}/devices/${serial}`);
      await shows(page, page.getByRole('heading', { name: 'Backups' }));
      await shows(page, page.getByText('This site holds no backup of the device yet.'));

      await device.switches.configure(2, { enabled: false });
      await page.getByRole('button', { name: 'Back up now' }).click();
      await shows(page, backupRows(page).first());
      assert.equal(await backupRows(page).count(), 1);
      await shows(page, backupRows(page).first().getByText('Manual'));
      await shot('listed');

      await device.switches.configure(2, { enabled: true });
      await backupRows(page).first().getByRole('button', { name: 'Restore' }).click();
      const dialog = page.getByRole('dialog', { name: 'Restore this backup?' });
      await shows(page, dialog);
      await shot('confirm');
      // Cancel first: nothing happens.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(device.config.current.switches[1]!.enabled, true);

      await backupRows(page).first().getByRole('button', { name: 'Restore' }).click();
      await dialog.getByRole('button', { name: 'Restore' }).click();
      await shows(page, page.getByText('The device restored the backup.'));
      assert.equal(device.config.current.switches[1]!.enabled, false);
      await shot('restored');
    },
  );
});
