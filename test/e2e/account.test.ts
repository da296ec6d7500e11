import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { createSite, registerAccount } from '../helpers/factories.ts';

/** Generous: the suite runs two files at once on two cores. */
const WAIT = { timeout: 15_000 };

describe('the Account page', () => {
  itAtEachViewport(
    'creates a token, shows it once, and the token works with fetch; revokes it',
    async (t, viewport) => {
      // Closed first (hooks run in order): the server's shutdown then waits for no open tab.
      const browser = await launchBrowser(t);
      const cloud = await startTestCloud(t, sqliteTestDialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      await createSite(anna.client, 'Main Street 1');
      // A second session of Anna's, to sign out from the page.
      const page = await openPortalPage(browser, viewport);

      await signInInPortal(page, cloud.url, anna);
      await page
        .getByRole('navigation', { name: 'Account' })
        .getByRole('link', { name: 'Account' })
        .click();
      await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor(WAIT);
      assert.equal(await page.title(), 'Account — Latchkey');

      // Sessions: this one and the one of the test's client; sign the other out.
      const sessions = page.getByRole('table', { name: 'Your sessions' });
      await sessions.waitFor(WAIT);
      assert.equal(await sessions.getByRole('row').count(), 3, 'a header and two sessions');
      await sessions.getByRole('button', { name: /Sign out/ }).click();
      await page.getByText(/was signed out/).waitFor(WAIT);
      assert.equal((await anna.client.get('/api/me')).status, 401, 'that session ended');
      assert.equal(await sessions.getByRole('row').count(), 2);

      // Tokens: create a read token; the secret is shown once.
      await page.getByLabel('Token name').fill('monitoring');
      await page.getByLabel('Scope').selectOption('read');
      await page.getByRole('button', { name: 'Create token' }).click();
      const secretBox = page.getByLabel('Token', { exact: true });
      await secretBox.waitFor(WAIT);
      const token = await secretBox.inputValue();
      assert.match(token, /^lk_/);
      const tokens = page.getByRole('table', { name: 'Your API tokens' });
      await tokens.getByRole('row', { name: /monitoring/ }).waitFor(WAIT);
      // At 390 and 1280 px: the screenshot also asserts the page is no wider than the window.
      await screenshot(page, 'account-token');

      // The token works from a script (fetch, no cookie), and may only read.
      const sites = await fetch(`${cloud.url}/api/sites`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(sites.status, 200);
      const body = (await sites.json()) as { items: { name: string }[] };
      assert.deepEqual(
        body.items.map((s) => s.name),
        ['Main Street 1'],
      );
      const write = await fetch(`${cloud.url}/api/sites`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Not allowed' }),
      });
      assert.equal(write.status, 403);

      // Not shown again after a reload.
      await page.reload();
      await tokens.getByRole('row', { name: /monitoring/ }).waitFor(WAIT);
      assert.equal(await page.getByLabel('Token', { exact: true }).count(), 0);
      assert.ok(!(await page.content()).includes(token), 'the secret is gone from the page');

      // Revoke: the token stops working.
      await tokens.getByRole('button', { name: /Revoke/ }).click();
      await page.getByText('You have no API token.').waitFor(WAIT);
      const after = await fetch(`${cloud.url}/api/sites`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(after.status, 401);

      // The name.
      await page.getByLabel('Your name').fill('Anna Novak');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByText('Your name was saved.').waitFor(WAIT);
      await screenshot(page, 'account');
    },
  );
});
