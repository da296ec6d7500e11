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
import { testDialects } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { firmwareImage } from '../helpers/firmware.ts';
import { buildPortal } from '../helpers/portal-build.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 20_000 };

const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

describe('the firmware page of the portal', () => {
  before(async () => {
    await buildPortal();
  });

  for (const dialect of testDialects) {
    it(`a company admin uploads an image and sees it in the catalogue, and a non-image is refused in words (${dialect.name})`, async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      await cloud.services.firmware.add('operator', {
        filename: 'verso-2.41.fw',
        content: firmwareImage('2.41.0.12'),
      });
      const anna = await registerAccount(cloud, { name: 'Anna Správcová' });
      const browser = await launchBrowser(t);
      const page = await openPortalPage(browser, viewports[0]!);
      await signInInPortal(page, cloud.url, anna);
      await page.getByRole('link', { name: 'Firmware' }).click();
      await shows(page, page.getByRole('heading', { name: 'Firmware', level: 1 }));
      await shows(page, page.getByRole('cell', { name: '2.41.0.12' }));

      await page.getByLabel('Firmware image (at most 32 MiB)').setInputFiles({
        name: 'notes.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.7 release notes'),
      });
      await page.getByRole('button', { name: 'Add image' }).click();
      await shows(page, page.getByRole('alert').getByText('The file is not a firmware image'));

      await page.getByLabel('Firmware image (at most 32 MiB)').setInputFiles({
        name: 'verso-2.42.fw',
        mimeType: 'application/octet-stream',
        buffer: firmwareImage('2.42.0.1', 'annas build'),
      });
      await page.getByRole('button', { name: 'Add image' }).click();
      await shows(page, page.getByRole('status').getByText('Added 2N IP Verso 2.42.0.1.'));
      await shows(page, page.getByRole('cell', { name: '2.42.0.1' }));
      await shows(page, page.getByRole('cell', { name: 'Your company' }));
      await screenshot(page, `firmware-page-${dialect.name}`);
    });
  }
});
