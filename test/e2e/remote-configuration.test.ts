import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  launchBrowser,
  screenshot,
  signInInPortal,
  shows as showsWithin,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, codeFor, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { buildPortal } from '../helpers/portal-build.ts';
import { waitFor } from '../helpers/wait.ts';

/** Generous: browser tests share two cores, and every device answer crosses the link. */
const WAIT = { timeout: 20_000 };
const CODE = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/;
/** The administrator password startLinkedEmulator gives the emulator. */
const DEVICE_ADMIN_PASSWORD = 'emulator-admin-1';

/** Waits for `locator`; on a timeout, says what the page showed. */
const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

async function readCode(page: Page): Promise<string> {
  const locator = page.getByLabel('Security code');
  await waitFor(
    'the security code',
    async () => CODE.test((await locator.innerText()).trim()),
    WAIT.timeout,
    100,
  );
  return (await locator.innerText()).trim();
}

before(async () => {
  await buildPortal();
});

/**
 * Issue 19 in a real browser: the site-admin opens the device's own web interfaces from its
 * page in the portal, through the cloud's relay, generates a new security code there, and the
 * cloud then refuses the old code and moves the device with the new one. Needs the portal and
 * the device UI built (`npm run build`).
 */
test('remote configuration: the device interfaces through the cloud, Generate New there, and the claim rules follow', async (t) => {
  const cloud = await startTestCloud(t, sqliteTestDialect);
  const anna = await registerAccount(cloud, { name: 'Anna Správcová' });
  const site = await createSite(anna.client, 'Vinohradská 12');
  const [device] = await mintDevices(cloud, 1);
  const serial = device!.serialNumber;
  const added = await claim(anna.client, site.id, serial, codeFor(device!, 0));
  assert.equal(added.status, 201, added.text);
  await startLinkedEmulator(t, device!, cloud.url);
  await waitFor('the device online', async () => {
    const page = await anna.client.get(`/api/devices/${serial}`);
    return page.body?.device?.online === true;
  });

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const portal = await context.newPage();
  let step = 0;
  const shot = (page: Page, name: string) =>
    screenshot(page, `remote-configuration-${String(++step).padStart(2, '0')}-${name}`);

  // The portal: sign in, the device's page, Remote configuration opens a new tab.
  await signInInPortal(portal, cloud.url, anna);
  await portal.goto(`${cloud.url}/devices/${encodeURIComponent(serial)}`);
  const button = portal.getByRole('button', { name: 'Remote configuration', exact: true });
  await shows(portal, button);
  await shot(portal, 'device-page');
  const [remote] = await Promise.all([context.waitForEvent('page'), button.click()]);
  await shows(portal, portal.getByRole('status').filter({ hasText: /Opened in a new tab/ }));
  await shot(portal, 'opened');

  // The new tab: the device's new web interface under /remote/<token>/.
  const violations: string[] = [];
  remote.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await shows(remote, remote.getByRole('heading', { name: 'Log in to the intercom', exact: true }));
  const prefix = new URL(remote.url()).pathname.match(/^\/remote\/[A-Za-z0-9_-]{43}\//)?.[0];
  assert.ok(prefix, `the tab is under /remote/<token>/: ${remote.url()}`);
  assert.equal(new URL(remote.url()).origin, cloud.url);
  await shot(remote, 'device-login');
  await remote.getByLabel('Username').fill('admin');
  await remote.getByLabel('Password', { exact: true }).fill(DEVICE_ADMIN_PASSWORD);
  await remote.getByRole('button', { name: 'Log in' }).click();
  await shows(remote, remote.getByRole('heading', { name: 'Dashboard', exact: true }));
  await shot(remote, 'device-dashboard');

  // Integration → Autoprovisioning → My2N → Generate New.
  await remote.goto(`${cloud.url}${prefix}#/integration/autoprovisioning/my2n`);
  await shows(remote, remote.getByRole('heading', { name: 'My2N', exact: true }));
  const oldCode = await readCode(remote);
  assert.equal(oldCode, codeFor(device!, 0), 'the device shows the code of its certificate');
  await shot(remote, 'my2n');
  await remote.getByRole('button', { name: 'Generate New' }).click();
  const dialog = remote.getByRole('dialog', { name: 'Generate a new security code?' });
  await shows(remote, dialog);
  await dialog.getByRole('button', { name: 'Generate', exact: true }).click();
  await shows(remote, remote.getByRole('status').filter({ hasText: /no longer valid/ }));
  const newCode = await readCode(remote);
  assert.notEqual(newCode, oldCode);
  await shot(remote, 'my2n-new-code');
  assert.deepEqual(violations, [], 'the device interface trips no Content-Security-Policy');

  // The classic interface in the same tab, through the relay too. The new interface's sign-in
  // holds for it, so log out and in again: its own login form then goes through the relay.
  await remote.goto(`${cloud.url}${prefix}classic/`);
  if (new URL(remote.url()).pathname !== `${prefix}classic/login`) {
    await shows(remote, remote.getByText(serial).first());
    await remote.getByRole('button', { name: 'Log out' }).click();
  }
  await shows(remote, remote.getByRole('heading', { name: /Log in/ }));
  assert.equal(new URL(remote.url()).pathname, `${prefix}classic/login`);
  await shot(remote, 'classic-login');
  await remote.getByLabel('User name').fill('admin');
  await remote.getByLabel('Password', { exact: true }).fill(DEVICE_ADMIN_PASSWORD);
  await remote.getByRole('button', { name: 'Log in' }).click();
  await shows(remote, remote.getByText(serial).first());
  assert.ok(new URL(remote.url()).pathname.startsWith(`${prefix}classic`), remote.url());
  await shot(remote, 'classic-home');
  // The claim rules (DESIGN.md): another account's claim with the old code is refused as
  // replaced, once the cloud has heard of the new generation; the new code moves the device.
  const bob = await registerAccount(cloud, { name: 'Bob Nový' });
  const bobsSite = await createSite(bob.client, 'Korunní 3');
  await waitFor('Anna to be told of the new code', async () => {
    const answer = await anna.client.get('/api/notifications');
    return (answer.body?.items as unknown[] | undefined)?.some((n) => {
      const text = JSON.stringify(n);
      return text.includes('code-regenerated') && text.includes(serial);
    });
  });
  const withOld = await claim(bob.client, bobsSite.id, serial, oldCode);
  assert.equal(withOld.status, 422, withOld.text);
  assert.equal(withOld.body.error.code, 'SECURITY_CODE_REPLACED');
  const withNew = await claim(bob.client, bobsSite.id, serial, newCode);
  assert.equal(withNew.status, 201, withNew.text);
  assert.equal(withNew.body.outcome, 'moved');

  // Anna no longer manages the device: her link ends at once.
  await remote.reload();
  await shows(remote, remote.getByText(/This remote configuration link does not exist/));
  await shot(remote, 'link-ended-after-move');
});
