import { test } from 'node:test';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { startTestDevice } from '../device/helpers.ts';

const TIMEOUT = 15_000;
const PASSWORD = 'installer-pass-1';
const NOTE = 'Managed by My2N — local changes are overwritten at the next sync.';

/**
 * Issue 17 in a real browser on the emulator's own interfaces: the configuration mode the
 * cloud set, in Integration → Autoprovisioning → My2N and in the classic System → Auto
 * Provisioning, and the note beside the directory entries My2N manages. The device's cloud link
 * is set as the provisioning sets it from set-ownership. Needs web/device/dist
 * (`npm run build:device`).
 */
test('the device interfaces show Auto Provisioning: the configuration mode and the entries My2N manages', async (t) => {
  const { url, device } = await startTestDevice(t, { adminPassword: PASSWORD });
  device.setCloudLink({
    state: 'connected',
    site: 'Vinohradská 12',
    configurationMode: 'automatic',
  });
  await device.directory.create(
    [
      {
        name: 'Anna Novák',
        owner: 'My2N',
        uuid: '0A1B2C3D-0000-4000-8000-000000000001',
        callPos: [{ peer: 'sip:12@pbx' }],
      },
      { name: 'Concierge', callPos: [{ peer: 'sip:200@pbx' }] },
    ],
    false,
  );

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  let step = 0;
  const shot = (name: string) =>
    screenshot(page, `device-autoprovisioning-${String(++step).padStart(2, '0')}-${name}`);

  await page.goto(`${url}/`);
  await page.getByRole('heading', { name: 'Log in to the intercom', exact: true }).waitFor();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();

  // Integration → Autoprovisioning → My2N: Automatic, then Manual once the cloud says so.
  await page.goto(`${url}/#/integration/autoprovisioning/my2n`);
  const mode = page.getByTestId('configuration-mode');
  await mode.filter({ hasText: 'Automatic (My2N)' }).waitFor();
  await shot('my2n-automatic');
  device.setCloudLink({ state: 'connected', site: 'Vinohradská 12', configurationMode: 'manual' });
  await mode.filter({ hasText: 'Manual' }).waitFor();
  await shot('my2n-manual');

  // Directory → Users: the note beside Anna's entry, none beside the local one.
  await page.goto(`${url}/#/directory`);
  const anna = page.getByRole('rowheader', { name: /Anna Novák/ });
  await anna.filter({ hasText: NOTE }).waitFor();
  await page.getByRole('rowheader', { name: 'Concierge', exact: true }).waitFor();
  await shot('directory-managed-entry');

  // The classic interface, System → Auto Provisioning.
  device.setCloudLink({
    state: 'connected',
    site: 'Vinohradská 12',
    configurationMode: 'automatic',
  });
  // The sign-in of the new interface may hold for the classic one too; sign in if it does not.
  await page.goto(`${url}/classic/system/auto-provisioning`);
  if (new URL(page.url()).pathname === '/classic/login') {
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.goto(`${url}/classic/system/auto-provisioning`);
  }
  await page.locator('#configuration-mode', { hasText: 'Automatic (My2N)' }).waitFor();
  await shot('classic-automatic');
});
