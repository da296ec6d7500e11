import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, type TestContext } from 'node:test';
import {
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
} from '../helpers/browser.ts';
import { mintWithCli, startServeProcess } from '../helpers/cli-rig.ts';
import { registerAccount } from '../helpers/factories.ts';
import { buildPortal } from '../helpers/portal-build.ts';

/** Generous: the suite runs two files at once on two cores. */
const WAIT = { timeout: 15_000 };

function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bulk-portal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('bulk add in the portal', () => {
  before(() => buildPortal());

  itAtEachViewport(
    'previews a CSV file, adds it, shows each row’s answer and downloads the results',
    async (t, viewport) => {
      const dir = tempFolder(t);
      const { url } = await startServeProcess(t, dir);
      const [a, b, c] = await mintWithCli(dir, 3);
      const anna = await registerAccount({ url });
      const site = (await anna.client.post('/api/sites', { name: 'Depot' })).body as {
        id: string;
      };
      // One device is in the site already: its row answers as a single add would.
      const added = await anna.client.post(`/api/sites/${site.id}/devices`, {
        serialNumber: c!.serialNumber,
        securityCode: c!.securityCode,
      });
      assert.equal(added.status, 201, added.text);

      const browser = await launchBrowser(t);
      const page = await openPortalPage(browser, viewport);
      await signInInPortal(page, url, { email: anna.email, password: anna.password });
      await page.goto(`${url}/sites/${site.id}`);
      await page.getByRole('heading', { name: 'Depot', level: 1 }).waitFor(WAIT);

      await page.getByRole('button', { name: 'Bulk add' }).click();
      const dialog = page.getByRole('dialog', { name: 'Bulk add devices' });
      await dialog.waitFor(WAIT);
      const csv = [
        'serialNumber,securityCode',
        `${a!.serialNumber},${a!.securityCode}`,
        '54-0562-029,AAAA-AAAA-AAAA-AAAA',
        `${b!.serialNumber},${b!.securityCode.toLowerCase()}`,
        `${c!.serialNumber},${c!.securityCode}`,
      ].join('\n');
      await dialog.getByLabel('CSV file').setInputFiles({
        name: 'devices.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv),
      });
      await dialog
        .getByRole('status')
        .getByText('devices.csv: 4 rows, 1 with a wrong format (they will not be added).')
        .waitFor(WAIT);
      const preview = dialog.getByRole('table', { name: 'First rows of the file' });
      await preview
        .getByRole('row')
        .filter({ hasText: '54-0562-029' })
        .getByText('The serial number is not in the form NN-NNNN-NNNN.')
        .waitFor(WAIT);
      await screenshot(page, 'portal-bulk-add-preview');

      await dialog.getByRole('button', { name: 'Add 3 devices' }).click();
      await dialog.getByText('Added 2, moved 0, already in this site 1, failed 1.').waitFor(WAIT);
      const results = dialog.getByRole('table', { name: 'Result of each row' });
      const row = (serial: string) => results.getByRole('row').filter({ hasText: serial });
      await row(a!.serialNumber).getByText('Added').waitFor(WAIT);
      await row(b!.serialNumber).getByText('Added').waitFor(WAIT);
      await row('54-0562-029').getByText('Some fields are not valid.').waitFor(WAIT);
      await row(c!.serialNumber).getByText('The device is already in this site').waitFor(WAIT);
      await screenshot(page, 'portal-bulk-add-results');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        dialog.getByRole('button', { name: 'Download results (CSV)' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'devices.results.csv');
      const saved = join(dir, 'results.csv');
      await download.saveAs(saved);
      const lines = readFileSync(saved, 'utf8').trimEnd().split('\r\n');
      assert.deepEqual(
        lines.map((line) => line.split(',').slice(0, 4).join(',')),
        [
          'row,serialNumber,outcome,errorCode',
          `2,${a!.serialNumber},added,`,
          '3,54-0562-029,failed,VALIDATION_FAILED',
          `4,${b!.serialNumber},added,`,
          `5,${c!.serialNumber},already-here,ALREADY_IN_THIS_SITE`,
        ],
      );

      // The device table shows the new devices once the dialog is closed.
      await dialog.getByRole('button', { name: 'Close' }).click();
      const table = page.getByRole('table', { name: 'Devices of this site' });
      for (const device of [a!, b!, c!]) {
        await table.getByRole('row').filter({ hasText: device.serialNumber }).waitFor(WAIT);
      }
    },
  );
});
