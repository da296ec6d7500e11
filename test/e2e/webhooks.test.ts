import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  assertFitsViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
  viewports,
  shows as showsWithin,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { buildPortal } from '../helpers/portal-build.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver } from '../helpers/webhooks.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 30_000 };

const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

describe('webhooks in the portal', () => {
  before(async () => {
    await buildPortal();
  });

  for (const viewport of viewports) {
    it(`a company admin adds an endpoint, keeps its secret, sends a test event and sees it delivered, live, at ${viewport.width} px`, async (t) => {
      const cloud = await startTestCloud(t, sqliteTestDialect, { webhooksAllowInsecure: true });
      const receiver = await startReceiver(t);
      const anna = await registerAccount(cloud, { name: 'Anna Správcová' });
      const browser = await launchBrowser(t);
      const page = await openPortalPage(browser, viewport);
      const shot = (step: string) => screenshot(page, `webhooks-${viewport.name}-${step}`);

      await signInInPortal(page, cloud.url, anna);
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      await shows(page, page.getByRole('heading', { name: 'Webhooks', level: 1 }));
      assert.equal(await page.title(), 'Webhooks — Latchkey');
      await page.getByLabel('Endpoint URL').fill(receiver.url);
      await page.getByRole('checkbox', { name: /Access refused/ }).check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secretBox = page.getByRole('status', { name: 'Signing secret' });
      await shows(page, secretBox);
      const secret = (await secretBox.getByTestId('webhook-secret').innerText()).trim();
      assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      receiver.state.secret = secret;
      const card = page.getByRole('region', { name: `Endpoint ${receiver.url}` });
      await shows(page, card.getByText('Device added, Access refused'));
      await assertFitsViewport(page);
      await shot('1-added');

      // The secret is not shown again, in the page or in the API.
      await page.getByRole('button', { name: 'I have kept it' }).click();
      assert.equal(await page.getByText(secret).count(), 0);
      assert.ok(!(await anna.client.get('/api/webhooks')).text.includes(secret));

      await card.getByRole('button', { name: 'Send test event' }).click();
      await waitFor('the test event at the receiver', () =>
        receiver.state.all.some((r) => r.type === 'webhook.test'),
      );
      const log = card.getByRole('table', { name: `Deliveries to ${receiver.url}` });
      const row = log.getByRole('row').filter({ hasText: 'webhook.test' });
      // The log updates live: the page is not reloaded.
      await shows(page, row.getByRole('cell', { name: 'Delivered' }));
      await shows(page, row.getByRole('cell', { name: 'HTTP 200' }));
      await assertFitsViewport(page);
      await shot('2-delivered');

      await card.getByRole('button', { name: 'Disable' }).click();
      await shows(page, card.getByText(/^Disabled: by an admin/));
      await shot('3-disabled');
    });
  }
});
