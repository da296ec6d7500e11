import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
  viewports,
  shows as showsWithin,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { buildPortal } from '../helpers/portal-build.ts';
import { addOperatorFirmware } from '../helpers/rollouts.ts';
import { waitFor } from '../helpers/wait.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 30_000 };

const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

describe('firmware rollouts in the portal', () => {
  before(async () => {
    await buildPortal();
  });

  it('a site-admin updates a site one device at a time, watches it live, then confirms a downgrade', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect, { rollouts: { tickMs: 200 } });
    const anna = await registerAccount(cloud, { name: 'Anna Správcová' });
    const site = await createSite(anna.client, 'Vinohradská 12');
    const minted = await mintDevices(cloud, 2);
    const emulators = [];
    for (const device of minted) {
      const added = await claim(anna.client, site.id, device.serialNumber, device.securityCode);
      assert.equal(added.status, 201, added.text);
      emulators.push(await startLinkedEmulator(t, device, cloud.url));
    }
    await waitFor('both devices online', async () => {
      const list = await anna.client.get(`/api/sites/${site.id}/devices`);
      return list.body.items?.every((item: { firmware: string | null }) => item.firmware);
    });
    const newer = await addOperatorFirmware(cloud, '2.60.0.1', { payloadBytes: 512 * 1024 });
    const browser = await launchBrowser(t);
    const page = await openPortalPage(browser, viewports[viewports.length - 1]!);
    const shot = (step: string) => screenshot(page, `rollouts-${step}`);

    await signInInPortal(page, cloud.url, anna);
    await page.getByRole('link', { name: 'Vinohradská 12' }).click();
    await page.getByRole('button', { name: 'Update firmware' }).click();
    const dialog = page.getByRole('dialog', { name: 'Update firmware' });
    await dialog
      .getByLabel('Firmware', { exact: true })
      .selectOption({ label: '2N IP Verso 2.60.0.1' });
    await dialog.getByLabel('Devices at a time').fill('1');
    await shot('1-dialog');
    await dialog.getByRole('button', { name: 'Start update' }).click();
    await shows(page, page.getByRole('heading', { name: 'Firmware 2N IP Verso 2.60.0.1' }));
    await shows(page, page.getByTestId('rollout-state').getByText('Done'));
    await shows(page, page.getByText('2 of 2 done'));
    await shot('2-done');
    for (const emulator of emulators) {
      assert.equal(emulator.running.device.maintenance.firmwareVersion, newer.version);
    }

    // An older image: the portal asks before it downgrades.
    await addOperatorFirmware(cloud, '2.10.0.1');
    await page.getByRole('link', { name: 'Sites' }).click();
    await page.getByRole('link', { name: 'Vinohradská 12' }).click();
    await page.getByRole('button', { name: 'Update firmware' }).click();
    await dialog
      .getByLabel('Firmware', { exact: true })
      .selectOption({ label: '2N IP Verso 2.10.0.1' });
    await dialog.getByRole('button', { name: 'Start update' }).click();
    await shows(page, page.getByText(/This would downgrade devices/));
    await shot('3-downgrade-confirm');
    await page.getByRole('button', { name: 'Downgrade' }).click();
    await shows(page, page.getByRole('heading', { name: 'Firmware 2N IP Verso 2.10.0.1' }));
    await shows(page, page.getByTestId('rollout-state').getByText('Done'));
    await page.getByRole('link', { name: 'Rollouts' }).click();
    await shows(page, page.getByRole('table', { name: 'Rollouts' }).locator('tbody tr').nth(1));
    await shot('4-list');
  });
});
