import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { generate } from 'otplib';
import {
  assertFitsViewport,
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
} from '../helpers/browser.ts';
import { startTestCloud, TestClock } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';

/** Generous: the suite runs two files at once on two cores. */
const WAIT = { timeout: 15_000 };
const STEP_MS = 30_000;

/** What the authenticator app shows now, by the cloud's clock. */
const codeAt = (clock: TestClock, secret: string) =>
  generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });

describe('two-factor sign-in in the portal', () => {
  itAtEachViewport(
    'turns it on from the Account page with the key shown there, then signs in with a code',
    async (t, viewport) => {
      const browser = await launchBrowser(t);
      // The cloud's clock is the test's, so the next code is one step away, not 30 s of waiting.
      const clock = new TestClock(Date.now());
      const cloud = await startTestCloud(t, sqliteTestDialect, { clock });
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const page = await openPortalPage(browser, viewport);

      await signInInPortal(page, cloud.url, anna);
      await page
        .getByRole('navigation', { name: 'Account' })
        .getByRole('link', { name: 'Account' })
        .click();
      const section = page.getByRole('region', { name: 'Two-factor sign-in' });
      await section.getByText(/^Off\./).waitFor(WAIT);
      await section.getByRole('button', { name: 'Set up two-factor sign-in' }).click();

      // The QR code and the key as text; the person types the key into the app.
      const form = page.getByRole('form', { name: 'Set up two-factor sign-in' });
      await form.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor(WAIT);
      const shown = (await page.locator('#two-factor-secret').textContent()) ?? '';
      const secret = shown.replace(/\s/g, '');
      assert.match(secret, /^[A-Z2-7]{32}$/);
      await screenshot(page, 'two-factor-setup');

      // A wrong code is refused in the form, then the app's code turns it on.
      const right = await codeAt(clock, secret);
      await form.getByLabel('Code from your app').fill(right === '123456' ? '654321' : '123456');
      await form.getByRole('button', { name: 'Turn on' }).click();
      await form.getByRole('alert').getByText('The code is not correct.').waitFor(WAIT);
      await form.getByLabel('Code from your app').fill(right);
      await form.getByRole('button', { name: 'Turn on' }).click();
      const codes = page.getByRole('list', { name: 'Your recovery codes' });
      await codes.waitFor(WAIT);
      const recoveryCodes = (await codes.getByRole('listitem').allTextContents()).map((c) =>
        c.trim(),
      );
      assert.equal(recoveryCodes.length, 10);
      await section.getByText('10 recovery codes are left.').waitFor(WAIT);
      await screenshot(page, 'two-factor-recovery-codes');
      await section.getByRole('button', { name: 'I have saved them' }).click();
      assert.equal(await codes.count(), 0, 'the codes are shown once');

      // Sign out; signing in now asks for the code.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      await page.getByLabel('E-mail').fill(anna.email);
      await page.getByLabel('Password').fill(anna.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const step = page.getByRole('form', { name: 'Two-factor sign-in' });
      await step.getByText('Enter the 6-digit code from your authenticator app.').waitFor(WAIT);
      assert.equal(
        await page.evaluate(async () => (await fetch('/api/me')).status),
        401,
        'the password alone did not sign in',
      );
      // The code that turned it on was used; it does not sign in again.
      await step.getByLabel('Code').fill(right);
      await step.getByRole('button', { name: 'Continue' }).click();
      await step.getByRole('alert').getByText('The code is not correct.').waitFor(WAIT);
      await screenshot(page, 'two-factor-sign-in-wrong-code');

      // The recovery code option is there; back to the app's code.
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await step.getByLabel('Recovery code').waitFor(WAIT);
      await step.getByText('Enter one of your recovery codes. Each works once.').waitFor(WAIT);
      await assertFitsViewport(page);
      await page.getByRole('button', { name: 'Use the code from the app' }).click();

      clock.advance(STEP_MS);
      await step.getByLabel('Code').fill(await codeAt(clock, secret));
      await step.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
      assert.equal(await page.evaluate(async () => (await fetch('/api/me')).status), 200);
      await screenshot(page, 'two-factor-signed-in');

      // A recovery code signs in too, once.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'Sign in to Latchkey' }).waitFor(WAIT);
      await page.getByLabel('E-mail').fill(anna.email);
      await page.getByLabel('Password').fill(anna.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await step.getByLabel('Recovery code').fill(recoveryCodes[0]!);
      await step.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
      assert.deepEqual((await anna.client.get('/api/me/two-factor')).body, {
        enabled: true,
        recoveryCodesLeft: 9,
      });

      // Turn it off again on the Account page, with the password and a code.
      await page
        .getByRole('navigation', { name: 'Account' })
        .getByRole('link', { name: 'Account' })
        .click();
      await section.getByText('9 recovery codes are left.').waitFor(WAIT);
      clock.advance(STEP_MS);
      await section.getByLabel('Code from your app').fill(await codeAt(clock, secret));
      await section.getByLabel('Password (to turn it off)').fill(anna.password);
      await screenshot(page, 'two-factor-on');
      await section.getByRole('button', { name: 'Turn off' }).click();
      await section.getByText(/^Off\./).waitFor(WAIT);
      assert.equal((await anna.client.get('/api/me/two-factor')).body.enabled, false);
      await assertFitsViewport(page);
    },
  );
});
