import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertFitsViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
  viewports,
  whatPageShows,
  type Viewport,
} from '../helpers/browser.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import {
  claim,
  createSite,
  mintDevices,
  nextCode,
  registerAccount,
  type Account,
} from '../helpers/factories.ts';
import { linkIn, startTestSmtp } from '../helpers/smtp.ts';
import { serialsIn } from '../helpers/transfers.ts';
import { waitFor } from '../helpers/wait.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 15_000 };
/**
 * The other side's page learns of an answer from the bell, which asks for the unread count
 * every 10 seconds (transfers have no event on the live stream): up to one poll, plus a load.
 */
const BELL_WAIT = { timeout: 30_000 };
const desktop = viewports.find((v) => v.name === 'desktop')!;
const phone = viewports.find((v) => v.name === 'phone')!;

/** A wait that says what the page shows when the element does not appear. */
const explained = (page: Page) => async (error: unknown) => {
  throw new Error(await whatPageShows(page), { cause: error });
};

/** Company A with a site of two devices, and company B with an empty site. */
async function twoCompanies(cloud: TestCloud) {
  const alice = await registerAccount(cloud, { name: 'Alice Installer' });
  const bob = await registerAccount(cloud, { name: 'Bob Owner' });
  const siteA = await createSite(alice.client, 'Harbour Street 4');
  const siteB = await createSite(bob.client, 'Mill Lane 12');
  const devices = await mintDevices(cloud, 2);
  for (const device of devices) {
    const answer = await claim(alice.client, siteA.id, device.serialNumber, device.securityCode);
    assert.equal(answer.status, 201, answer.text);
  }
  return { alice, bob, siteA, siteB, devices };
}

async function signedIn(t: TestContext, cloud: TestCloud, who: Account, viewport: Viewport) {
  const browser = await launchBrowser(t);
  const page = await openPortalPage(browser, viewport);
  await signInInPortal(page, cloud.url, who);
  return { browser, page };
}

/** A device's row in the site page's table of devices (the audit log names it too). */
const deviceRow = (page: Page, serial: string) =>
  page
    .getByRole('table', { name: 'Devices of this site' })
    .getByRole('row')
    .filter({ hasText: serial });

async function openTransfers(page: Page) {
  await page.getByRole('link', { name: /^Transfers/ }).click();
  await page
    .getByRole('heading', { name: 'Transfers', level: 1 })
    .waitFor(WAIT)
    .catch(explained(page));
}

for (const dialect of testDialects) {
  describe(`transfers in the portal (${dialect.name})`, () => {
    it('offer a device to another company, which accepts it into its site in its portal', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const { alice, bob, siteA, siteB, devices } = await twoCompanies(cloud);
      const [offered, kept] = devices.map((d): string => d.serialNumber) as [string, string];
      const shot = (page: Page, step: string) =>
        screenshot(page, `transfers-offer-${dialect.name}-${step}`);

      // Alice offers one device of her site to Bob's company, by his e-mail.
      const { browser, page: a } = await signedIn(t, cloud, alice, desktop);
      await a.getByRole('link', { name: 'Harbour Street 4' }).click();
      const rowA = deviceRow(a, offered);
      await rowA.waitFor(WAIT).catch(explained(a));
      await rowA.getByRole('checkbox', { name: `Select device ${offered}` }).check();
      await a
        .getByRole('toolbar', { name: 'Selected devices' })
        .getByRole('button', { name: 'Offer to another company…' })
        .click();
      const dialog = a.getByRole('dialog', { name: 'Offer a device to another company' });
      await dialog.getByText(offered).waitFor(WAIT);
      await dialog.getByText('The offer expires after 7 days', { exact: false }).waitFor(WAIT);
      await dialog.getByLabel('E-mail of a person in the other company').fill(bob.email);
      await shot(a, '1-offer-dialog');
      await dialog.getByRole('button', { name: 'Send the offer' }).click();
      await a
        .getByRole('status')
        .filter({ hasText: `The offer was sent to ${bob.email}.` })
        .waitFor(WAIT)
        .catch(explained(a));
      await shot(a, '2-offer-sent');
      // While pending, everything stays with Alice.
      assert.deepEqual((await serialsIn(alice, siteA.id)).sort(), [offered, kept].sort());

      await openTransfers(a);
      const made = a.getByRole('table', { name: 'Offers made, newest first' });
      const madeRow = made.getByRole('row').filter({ hasText: offered });
      await madeRow.getByText('Waiting for an answer').waitFor(WAIT);
      await madeRow.locator('td[data-label="To"]', { hasText: bob.email }).waitFor(WAIT);
      await shot(a, '3-offers-made');

      // A mail reaches Bob, pointing at Transfers.
      const mail = await smtp.waitForMail(bob.email, 1, 15_000);
      assert.equal(linkIn(mail, `${cloud.url}/transfers`), `${cloud.url}/transfers`);

      // Bob, in a browser of his own, sees it in the bell and on Transfers, and accepts.
      const b = await openPortalPage(browser, desktop);
      await signInInPortal(b, cloud.url, bob);
      // The badge: one offer waits for an answer (the name reads "Transfers, 1 waiting …").
      await b.getByRole('link', { name: /^Transfers\W+1 waiting for your answer$/ }).waitFor(WAIT);
      await b.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
      const bell = b.getByRole('region', { name: 'Notifications' });
      await bell.getByRole('listitem').first().waitFor(WAIT);
      await shot(b, '4-bob-bell');
      await b.getByRole('button', { name: 'Close notifications' }).click();
      await openTransfers(b);
      const received = b.getByRole('table', { name: 'Offers received, newest first' });
      const offer = received.getByRole('row').filter({ hasText: offered });
      await offer.waitFor(WAIT).catch(explained(b));
      await offer.locator('td[data-label="From"]', { hasText: alice.company.name }).waitFor(WAIT);
      await offer.getByText(/expires in (7|6) days/).waitFor(WAIT);
      assert.equal(await offer.getByText(kept).count(), 0, 'only the offered device is named');
      await shot(b, '5-bob-received');
      await offer.getByRole('button', { name: /^Accept/ }).click();
      const accept = b.getByRole('dialog', {
        name: `Accept the offer from ${alice.company.name}?`,
      });
      await accept.getByLabel('Site for the devices').selectOption({ label: 'Mill Lane 12' });
      await shot(b, '6-bob-accept-dialog');
      await accept.getByRole('button', { name: 'Accept into this site' }).click();
      await accept.waitFor({ state: 'detached', ...WAIT }).catch(explained(b));
      await offer.getByText('Accepted', { exact: true }).waitFor(WAIT);
      assert.equal(await offer.getByRole('button', { name: /^Accept/ }).count(), 0);
      await shot(b, '7-bob-accepted');

      // The device is in Bob's site, and gone from Alice's: in the portals and in the API.
      await b.getByRole('link', { name: 'Sites', exact: true }).click();
      await b.getByRole('link', { name: 'Mill Lane 12' }).click();
      await deviceRow(b, offered).waitFor(WAIT).catch(explained(b));
      await shot(b, '8-bob-site');
      assert.deepEqual(await serialsIn(bob, siteB.id), [offered]);
      assert.deepEqual(await serialsIn(alice, siteA.id), [kept]);

      // Alice's Transfers page shows the answer without a reload (the bell's news).
      await madeRow.getByText('Accepted', { exact: true }).waitFor(BELL_WAIT).catch(explained(a));
      await shot(a, '9-alice-answered');
      await a.getByRole('link', { name: 'Sites', exact: true }).click();
      await a.getByRole('link', { name: 'Harbour Street 4' }).click();
      await deviceRow(a, kept).waitFor(WAIT);
      assert.equal(await deviceRow(a, offered).count(), 0);
      await shot(a, '10-alice-site');

      // On a phone, Bob's Transfers page fits the screen.
      const small = await openPortalPage(browser, phone);
      await signInInPortal(small, cloud.url, bob);
      await openTransfers(small);
      await small.getByRole('table', { name: 'Offers received, newest first' }).waitFor(WAIT);
      await assertFitsViewport(small);
      await screenshot(small, `transfers-offer-${dialect.name}-11-phone`);
    });

    it('a request from the "already added" answer, approved by the owner', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { alice, bob, siteA, siteB, devices } = await twoCompanies(cloud);
      const device = devices[0]!;
      const serial = device.serialNumber;
      const shot = (page: Page, step: string) =>
        screenshot(page, `transfers-request-${dialect.name}-${step}`);

      // Bob tries to add Alice's device with its current code: "already added".
      const { browser, page: b } = await signedIn(t, cloud, bob, desktop);
      await b.getByRole('link', { name: 'Mill Lane 12' }).click();
      await b.getByRole('button', { name: 'Add device' }).click();
      const add = b.getByRole('dialog', { name: 'Add a device' });
      await add.getByLabel('Serial number').fill(serial);
      await add.getByLabel('Security code').fill(device.securityCode);
      await add.getByRole('button', { name: 'Add device' }).click();
      await b
        .getByRole('alert')
        .filter({ hasText: 'The device is already added' })
        .first()
        .waitFor(WAIT)
        .catch(explained(b));
      await shot(b, '1-already-added');

      // He asks the owner to release it, sharing his company's name.
      await add.getByRole('button', { name: 'Ask the owner to release it' }).click();
      const ask = b.getByRole('dialog', { name: `Ask the owner to release ${serial}` });
      await ask.getByLabel("Share my company's name with the owner").check();
      await shot(b, '2-request-dialog');
      await ask.getByRole('button', { name: 'Send' }).click();
      await ask
        .getByText('Request sent; you will be told when the owner answers.')
        .waitFor(WAIT)
        .catch(explained(b));
      await shot(b, '3-request-sent');
      await ask.getByRole('button', { name: 'Close' }).click();
      assert.deepEqual(await serialsIn(bob, siteB.id), [], 'nothing moves before an answer');

      // Alice sees the request on Transfers, with Bob's company, and approves it.
      const a = await openPortalPage(browser, desktop);
      await signInInPortal(a, cloud.url, alice);
      await openTransfers(a);
      const asked = a.getByRole('table', {
        name: 'Requests to release your devices, newest first',
      });
      const request = asked.getByRole('row').filter({ hasText: serial });
      await request.waitFor(WAIT).catch(explained(a));
      await request
        .locator('td[data-label="Asked by"]', { hasText: bob.company.name })
        .waitFor(WAIT);
      await request.getByRole('cell', { name: 'Harbour Street 4' }).waitFor(WAIT);
      await shot(a, '4-alice-request');
      await request.getByRole('button', { name: /^Approve/ }).click();
      const confirm = a.getByRole('dialog', { name: `Release the device ${serial}?` });
      await shot(a, '5-alice-approve-dialog');
      await confirm.getByRole('button', { name: 'Approve and release' }).click();
      await confirm.waitFor({ state: 'detached', ...WAIT }).catch(explained(a));
      await request.getByText('Approved', { exact: true }).waitFor(WAIT);
      await shot(a, '6-alice-approved');

      // Bob's site page, still open, shows the device (the live stream of his site).
      await deviceRow(b, serial).waitFor(WAIT).catch(explained(b));
      await shot(b, '7-bob-site');
      assert.deepEqual(await serialsIn(bob, siteB.id), [serial]);
      assert.equal((await serialsIn(alice, siteA.id)).includes(serial), false);

      // His own request reads as approved.
      await openTransfers(b);
      const mine = b.getByRole('table', { name: 'Your requests to release devices, newest first' });
      await mine
        .getByRole('row')
        .filter({ hasText: serial })
        .getByText('Approved', { exact: true })
        .waitFor(WAIT);
      await shot(b, '8-bob-requests');
    });

    it('a whole site: an offer cancelled by a claim with a new code, one cancelled, one rejected, one received whole', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { alice, bob, siteA, devices } = await twoCompanies(cloud);
      const [stays, claimed] = devices as [MintedDevice, MintedDevice];
      const carol = await registerAccount(cloud, { name: 'Carol Elsewhere' });
      const siteC = await createSite(carol.client, 'Quay Road 9');
      const shot = (page: Page, step: string) =>
        screenshot(page, `transfers-site-${dialect.name}-${step}`);
      const offerSite = () =>
        alice.client.post('/api/transfers', { toEmail: bob.email, siteId: siteA.id });

      // A pending offer of one device ends when someone claims it with a newly generated code.
      const deviceOffer = await alice.client.post('/api/transfers', {
        toEmail: bob.email,
        serialNumbers: [claimed.serialNumber],
      });
      assert.equal(deviceOffer.status, 201, deviceOffer.text);
      const taken = await claim(carol.client, siteC.id, claimed.serialNumber, nextCode(claimed, 0));
      assert.equal(taken.status, 201, taken.text);
      await waitFor('the offer ended by the claim', async () => {
        const list = (await bob.client.get('/api/transfers')).body as {
          received: { id: string; state: string }[];
        };
        return list.received.find((o) => o.id === deviceOffer.body.id)?.state === 'cancelled';
      });

      // Alice offers the whole site from its page, then cancels the offer on Transfers.
      const { browser, page: a } = await signedIn(t, cloud, alice, desktop);
      await a.getByRole('link', { name: 'Harbour Street 4' }).click();
      await a.getByRole('button', { name: 'Offer site…' }).click();
      const dialog = a.getByRole('dialog', { name: 'Offer the site “Harbour Street 4”' });
      await dialog.getByLabel('E-mail of a person in the other company').fill(bob.email);
      await shot(a, '1-offer-site-dialog');
      await dialog.getByRole('button', { name: 'Send the offer' }).click();
      await dialog.waitFor({ state: 'detached', ...WAIT }).catch(explained(a));
      await openTransfers(a);
      const made = a.getByRole('table', { name: 'Offers made, newest first' });
      const pending = made.getByRole('row').filter({ hasText: 'Waiting for an answer' });
      await pending.getByText('The whole site “Harbour Street 4”').waitFor(WAIT);
      await pending.getByRole('button', { name: /^Cancel/ }).click();
      const cancel = a.getByRole('dialog', { name: `Cancel the offer to ${bob.email}?` });
      await shot(a, '2-cancel-dialog');
      await cancel.getByRole('button', { name: 'Cancel the offer' }).click();
      await cancel.waitFor({ state: 'detached', ...WAIT }).catch(explained(a));
      // The device offer is cancelled already: wait for the site offer's own row to say so.
      await made
        .getByRole('row')
        .filter({ hasText: 'The whole site “Harbour Street 4”' })
        .filter({ hasText: 'Cancelled' })
        .waitFor(WAIT);
      assert.equal(await pending.count(), 0, 'no offer waits any more');
      await shot(a, '3-cancelled');

      // Bob reads why the device offer ended, and that the site offer was cancelled.
      const b = await openPortalPage(browser, desktop);
      await signInInPortal(b, cloud.url, bob);
      await openTransfers(b);
      const received = b.getByRole('table', { name: 'Offers received, newest first' });
      const ended = received.getByRole('row').filter({ hasText: claimed.serialNumber });
      await ended.getByText('Cancelled', { exact: true }).waitFor(WAIT).catch(explained(b));
      await ended.getByText('with a new security code generated on the device').waitFor(WAIT);
      await shot(b, '4-bob-ended-offers');

      // A second offer of the site: Bob rejects it; a third: he receives the site whole.
      const second = await offerSite();
      assert.equal(second.status, 201, second.text);
      await b.reload();
      const offer = () => received.getByRole('row').filter({ hasText: 'Waiting for an answer' });
      await offer()
        .getByRole('button', { name: /^Reject/ })
        .click();
      const reject = b.getByRole('dialog', {
        name: `Reject the offer from ${alice.company.name}?`,
      });
      await shot(b, '5-reject-dialog');
      await reject.getByRole('button', { name: 'Reject the offer' }).click();
      await reject.waitFor({ state: 'detached', ...WAIT }).catch(explained(b));
      await received.getByRole('row').filter({ hasText: 'Rejected' }).waitFor(WAIT);
      assert.deepEqual(await serialsIn(alice, siteA.id), [stays.serialNumber]);

      const third = await offerSite();
      assert.equal(third.status, 201, third.text);
      await b.reload();
      await offer()
        .getByRole('button', { name: /^Accept/ })
        .click();
      const accept = b.getByRole('dialog', { name: 'Receive the site “Harbour Street 4”?' });
      await shot(b, '6-receive-site-dialog');
      await accept.getByRole('button', { name: 'Receive the site' }).click();
      await accept.waitFor({ state: 'detached', ...WAIT }).catch(explained(b));
      await received.getByRole('row').filter({ hasText: 'Accepted' }).waitFor(WAIT);
      await shot(b, '7-received');

      // The site is Bob's company's now, with its device; Alice no longer sees it.
      await b.getByRole('link', { name: 'Sites', exact: true }).click();
      await b.getByRole('link', { name: 'Harbour Street 4' }).click();
      await deviceRow(b, stays.serialNumber).waitFor(WAIT).catch(explained(b));
      await shot(b, '8-bob-site');
      assert.deepEqual(await serialsIn(bob, siteA.id), [stays.serialNumber]);
      const aliceSites = (await alice.client.get('/api/sites')).body as { items: { id: string }[] };
      assert.equal(
        aliceSites.items.some((site) => site.id === siteA.id),
        false,
      );
    });
  });
}
