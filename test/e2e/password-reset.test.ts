import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertFitsViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  viewports,
  whatPageShows,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { linkIn, startTestSmtp } from '../helpers/smtp.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 15_000 };
const NEW_PASSWORD = 'four words of my own choosing';

for (const dialect of testDialects) {
  for (const viewport of viewports) {
    describe(`password reset in the portal (${dialect.name}, ${viewport.width} px)`, () => {
      it('resets a forgotten password by following the link in the mail', async (t) => {
        const smtp = await startTestSmtp(t);
        const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
        const anna = await registerAccount(cloud, { name: 'Anna Novak' });
        const browser = await launchBrowser(t);
        const page = await openPortalPage(browser, viewport);
        t.after(() => page.context().close());
        const shot = (step: string) => screenshot(page, `password-reset-${dialect.name}-${step}`);

        // She forgot it: "Forgot password?" on the sign-in page.
        await page.goto(`${cloud.url}/login`);
        await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
        await page.getByRole('link', { name: 'Forgot password?' }).click();
        await page.getByRole('heading', { name: 'Reset your password' }).waitFor(WAIT);
        assert.equal(await page.title(), 'Reset your password — Latchkey');
        await page.getByLabel('E-mail').fill(anna.email);
        await assertFitsViewport(page);
        await shot('1-request');
        await page.getByRole('button', { name: 'Send the link' }).click();
        await page.getByRole('status').filter({ hasText: 'is on its way' }).waitFor(WAIT);
        await shot('2-sent');

        // The mail arrives; she opens its link in the browser.
        const mail = await smtp.waitForMail(anna.email);
        const link = linkIn(mail, `${cloud.url}/reset-password#`);
        await page.goto(link);
        await page.getByRole('heading', { name: 'Choose a new password' }).waitFor(WAIT);
        assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');

        // A weak password first: refused, with the reason under the field.
        await page.getByLabel('New password').fill('password1');
        await page.getByRole('button', { name: 'Set the new password' }).click();
        await page.getByText('The password is too weak.').waitFor(WAIT);
        await assertFitsViewport(page);
        await shot('3-weak');

        await page.getByLabel('New password').fill(NEW_PASSWORD);
        await page.getByRole('button', { name: 'Set the new password' }).click();
        await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
        await page
          .getByRole('status')
          .filter({ hasText: 'Your password was changed' })
          .waitFor(WAIT);
        await assertFitsViewport(page);
        await shot('4-changed');

        // The old password no longer works, nor her old session; the new one signs in.
        assert.equal((await anna.client.get('/api/me')).status, 401);
        const old = await new ApiClient(cloud.url).post('/api/auth/login', {
          email: anna.email,
          password: anna.password,
        });
        assert.equal(old.status, 401);
        await page.getByLabel('E-mail').fill(anna.email);
        await page.getByLabel('Password').fill(NEW_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
        await shot('5-signed-in');

        // The link from the mail is used up: opened again, say on her phone's mail app (a
        // browser context of its own: no session, no cached files).
        const again = await openPortalPage(browser, viewport);
        t.after(() => again.context().close());
        await again.goto(link);
        await again
          .getByRole('heading', { name: 'Choose a new password' })
          .waitFor(WAIT)
          .catch(async (error: unknown) => {
            throw new Error(await whatPageShows(again), { cause: error });
          });
        await again.getByLabel('New password').fill('another long passphrase', WAIT);
        await again.getByRole('button', { name: 'Set the new password' }).click();
        await again.getByText('This password reset link is no longer valid.').waitFor(WAIT);
        await again.getByRole('link', { name: 'Ask for a new link' }).waitFor(WAIT);
        await screenshot(again, `password-reset-${dialect.name}-6-used`);
      });
    });
  }
}
