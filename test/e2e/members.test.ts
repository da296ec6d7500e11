import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertFitsViewport,
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { createSite, joinCompany, registerAccount, uniqueEmail } from '../helpers/factories.ts';
import { linkIn, startTestSmtp } from '../helpers/smtp.ts';

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 15_000 };
const BOB_PASSWORD = 'a doorbell for every flat';

/** Says what the page shows when an expected element does not appear. */
async function explain(page: Page, error: unknown): Promise<never> {
  const shown = (await page.locator('body').innerText()).slice(0, 400);
  throw new Error(`${page.url()} shows: ${shown}`, { cause: error });
}

for (const dialect of testDialects) {
  describe(`members and invitations in the portal (${dialect.name})`, () => {
    itAtEachViewport(
      'invite by mail, accept in a fresh browser, see only the given site, removed, access gone',
      async (t, viewport) => {
        const smtp = await startTestSmtp(t);
        const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
        const alice = await registerAccount(cloud, { name: 'Alice Admin' });
        const siteA = await createSite(alice.client, 'Harbour Street 4');
        const siteB = await createSite(alice.client, 'Mill Lane 12');
        const company = alice.company.name;
        const bobEmail = uniqueEmail('bob');
        const browser = await launchBrowser(t);
        const admin = await openPortalPage(browser, viewport);
        const shot = (page: Page, step: string) =>
          screenshot(page, `members-${dialect.name}-${step}`);

        // Alice, a company admin, opens the Members page from the header.
        await signInInPortal(admin, cloud.url, alice);
        await admin.getByRole('link', { name: 'Harbour Street 4' }).waitFor(WAIT);
        await admin.getByRole('link', { name: 'Members', exact: true }).click();
        await admin.getByRole('heading', { name: 'Members', level: 1 }).waitFor(WAIT);
        assert.equal(await admin.title(), 'Members — Latchkey');
        const members = admin.getByRole('table', { name: `Members of ${company}` });
        await members.getByRole('row').filter({ hasText: alice.email }).waitFor(WAIT);
        await assertFitsViewport(admin);
        await shot(admin, '1-members');

        // She invites Bob as a member, site admin of site A only.
        const form = admin.getByRole('form', { name: 'Invite someone' });
        await form.getByLabel('E-mail').fill(bobEmail);
        await form.getByLabel('Role', { exact: true }).selectOption('member');
        await form.getByRole('checkbox', { name: 'Harbour Street 4' }).check();
        await form.getByLabel('Role on Harbour Street 4').selectOption('site-admin');
        assert.equal(await form.getByRole('checkbox', { name: 'Mill Lane 12' }).isChecked(), false);
        await assertFitsViewport(admin);
        await shot(admin, '2-invite-form');
        await form.getByRole('button', { name: 'Send the invitation' }).click();
        const sent = admin.getByRole('status', { name: 'Invitation sent' });
        await sent.waitFor(WAIT).catch((error: unknown) => explain(admin, error));
        const shownLink = await sent.getByLabel('Invitation link').inputValue();
        assert.match(shownLink, new RegExp(`^${cloud.url}/invitations#.+`));
        await sent.getByRole('button', { name: 'Copy' }).waitFor(WAIT);
        const pending = admin.getByRole('table', { name: 'Pending invitations' });
        const bobInvite = pending.getByRole('row').filter({ hasText: bobEmail });
        await bobInvite.getByText('Harbour Street 4 (Site admin)').waitFor(WAIT);
        assert.equal(await bobInvite.getByText('Mill Lane 12').count(), 0);
        await assertFitsViewport(admin);
        await shot(admin, '3-invited');

        // The mail arrives at a real SMTP server, with the same link.
        const mail = await smtp.waitForMail(bobEmail);
        const link = linkIn(mail, `${cloud.url}/invitations#`);
        assert.equal(link, shownLink, 'the mail carries the link shown to the admin');

        // Bob opens it in a browser of his own (no session) and creates his account.
        const bob = await openPortalPage(browser, viewport);
        t.after(() => bob.context().close());
        await bob.goto(link);
        await bob
          .getByRole('heading', { name: `Join ${company}` })
          .waitFor(WAIT)
          .catch((error: unknown) => explain(bob, error));
        assert.equal(new URL(bob.url()).pathname, '/invitations');
        assert.equal(new URL(bob.url()).hash, '', 'the token left the address bar');
        const accountForm = bob.getByRole('form', { name: 'Create your account' });
        assert.equal(await accountForm.getByLabel('E-mail').inputValue(), bobEmail);
        assert.equal(await accountForm.getByLabel('E-mail').isEditable(), false);
        await bob.getByRole('link', { name: 'I already have an account — sign in' }).waitFor(WAIT);
        await assertFitsViewport(bob);
        await shot(bob, '4-invitation');
        await accountForm.getByLabel('Your name').fill('Bob Builder');
        await accountForm.getByLabel('Password').fill(BOB_PASSWORD);
        await accountForm.getByRole('button', { name: 'Create account and join' }).click();

        // He sees site A, not site B; the company's other site does not open for him either.
        await bob
          .getByRole('heading', { name: 'Sites', level: 1 })
          .waitFor(WAIT)
          .catch((error: unknown) => explain(bob, error));
        await bob.getByRole('link', { name: 'Harbour Street 4' }).waitFor(WAIT);
        assert.equal(await bob.getByRole('link', { name: 'Mill Lane 12' }).count(), 0);
        // A member creates no site, and has no Members page.
        assert.equal(await bob.getByRole('heading', { name: 'Create a site' }).count(), 0);
        assert.equal(await bob.getByRole('link', { name: 'Members', exact: true }).count(), 0);
        await assertFitsViewport(bob);
        await shot(bob, '5-bob-sites');
        await bob.goto(`${cloud.url}/sites/${siteB.id}`);
        await bob.getByRole('heading', { name: 'The site does not exist.' }).waitFor(WAIT);
        await assertFitsViewport(bob);
        await shot(bob, '6-bob-site-b-not-found');
        // Site A is his to manage (site admin).
        await bob.goto(`${cloud.url}/sites/${siteA.id}`);
        await bob.getByRole('heading', { name: 'Harbour Street 4', level: 1 }).waitFor(WAIT);
        await bob.getByRole('button', { name: 'Add device' }).waitFor(WAIT);
        await assertFitsViewport(bob);
        await shot(bob, '7-bob-site-a');
        await bob.getByRole('link', { name: 'Sites', exact: true }).click();
        await bob.getByRole('link', { name: 'Harbour Street 4' }).waitFor(WAIT);

        // The invitation is used: the link now says so, and it is no longer pending.
        const used = await openPortalPage(browser, viewport);
        t.after(() => used.context().close());
        await used.goto(link);
        await used
          .getByRole('heading', { name: 'This invitation is no longer valid' })
          .waitFor(WAIT);
        await assertFitsViewport(used);
        await shot(used, '8-used-link');

        // Alice sees Bob as a member with his site, then removes him.
        await admin.reload();
        const bobRow = members.getByRole('row').filter({ hasText: bobEmail });
        await bobRow.getByText('Harbour Street 4 (Site admin)').waitFor(WAIT);
        assert.equal(await pending.getByRole('row').filter({ hasText: bobEmail }).count(), 0);
        const audit = admin.getByRole('table', { name: `Audit log of ${company}, newest first` });
        await audit.getByText('Joined the company').first().waitFor(WAIT);
        await assertFitsViewport(admin);
        await shot(admin, '9-bob-member');
        await bobRow.getByRole('button', { name: 'Remove Bob Builder' }).click();
        const confirm = admin.getByRole('dialog', { name: 'Remove Bob Builder?' });
        await confirm.waitFor(WAIT);
        await assertFitsViewport(admin);
        await shot(admin, '10-remove-dialog');
        await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
        await admin
          .getByRole('status')
          .filter({ hasText: `Bob Builder was removed from ${company}.` })
          .waitFor(WAIT);
        await bobRow.waitFor({ state: 'detached', ...WAIT });
        await audit.getByText('Removed a member').first().waitFor(WAIT);
        await assertFitsViewport(admin);
        await shot(admin, '11-removed');

        // The last admin cannot leave: the cloud says why.
        await members
          .getByRole('row')
          .filter({ hasText: alice.email })
          .getByRole('button', { name: 'Leave' })
          .click();
        await admin
          .getByRole('dialog', { name: `Leave ${company}?` })
          .getByRole('button', { name: 'Leave the company' })
          .click();
        await admin
          .getByRole('region', { name: 'Messages' })
          .getByRole('alert')
          .first()
          .waitFor(WAIT);
        await members.getByRole('row').filter({ hasText: alice.email }).waitFor(WAIT);
        await assertFitsViewport(admin);
        await shot(admin, '12-last-admin');

        // Bob's next action loses access: site A is gone, and so is its page.
        await bob.reload();
        await bob
          .getByRole('heading', { name: 'You are not in any company', level: 1 })
          .waitFor(WAIT);
        assert.equal(await bob.getByRole('link', { name: 'Harbour Street 4' }).count(), 0);
        await assertFitsViewport(bob);
        await shot(bob, '13-bob-removed');
        await bob.goto(`${cloud.url}/sites/${siteA.id}`);
        await bob.getByRole('heading', { name: 'The site does not exist.' }).waitFor(WAIT);
        await assertFitsViewport(bob);
        await shot(bob, '14-bob-site-a-gone');
      },
    );

    itAtEachViewport(
      'a viewer in two companies switches, sees no buttons, is promoted, then removed',
      async (t, viewport) => {
        const cloud = await startTestCloud(t, dialect);
        const alice = await registerAccount(cloud, { name: 'Alice Admin' });
        const siteA = await createSite(alice.client, 'Harbour Street 4');
        await createSite(alice.client, 'Mill Lane 12');
        const carol = await registerAccount(cloud, { name: 'Carol Viewer' });
        await joinCompany(cloud, carol, alice.company.id, 'member', [
          { siteId: siteA.id, role: 'viewer' },
        ]);
        const company = alice.company.name;
        const browser = await launchBrowser(t);
        const shot = (page: Page, step: string) =>
          screenshot(page, `members-roles-${dialect.name}-${step}`);

        // Carol starts in her own company (her first membership); the switcher offers Alice's.
        const viewer = await openPortalPage(browser, viewport);
        await signInInPortal(viewer, cloud.url, carol);
        const switcher = viewer.getByLabel('Company', { exact: true });
        await switcher.waitFor(WAIT);
        assert.equal(await viewer.getByRole('link', { name: 'Harbour Street 4' }).count(), 0);
        await assertFitsViewport(viewer);
        await shot(viewer, '1-own-company');
        await switcher.selectOption({ label: company });
        await viewer.getByRole('link', { name: 'Harbour Street 4' }).waitFor(WAIT);
        assert.equal(await viewer.getByRole('link', { name: 'Mill Lane 12' }).count(), 0);
        assert.equal(await viewer.getByRole('heading', { name: 'Create a site' }).count(), 0);
        assert.equal(await viewer.getByRole('link', { name: 'Members', exact: true }).count(), 0);
        await assertFitsViewport(viewer);
        await shot(viewer, '2-switched');
        // The choice survives a reload.
        await viewer.reload();
        await viewer.getByRole('link', { name: 'Harbour Street 4' }).waitFor(WAIT);

        // A viewer's site page: no rename, add or delete, no audit log.
        await viewer.getByRole('link', { name: 'Harbour Street 4' }).click();
        await viewer.getByText('You can view this site').waitFor(WAIT);
        assert.equal(await viewer.getByRole('button', { name: 'Add device' }).count(), 0);
        assert.equal(await viewer.getByRole('button', { name: 'Rename site' }).count(), 0);
        assert.equal(await viewer.getByRole('heading', { name: 'Audit log' }).count(), 0);
        await assertFitsViewport(viewer);
        await shot(viewer, '3-viewer-site');

        // Alice makes her site admin of the site in the edit dialog.
        const admin = await openPortalPage(browser, viewport);
        await signInInPortal(admin, cloud.url, alice);
        await admin.getByRole('link', { name: 'Members', exact: true }).click();
        const members = admin.getByRole('table', { name: `Members of ${company}` });
        const carolRow = members.getByRole('row').filter({ hasText: carol.email });
        await carolRow.getByText('Harbour Street 4 (Viewer)').waitFor(WAIT);
        await carolRow.getByRole('button', { name: 'Edit Carol Viewer' }).click();
        const edit = admin.getByRole('dialog', { name: 'Edit Carol Viewer' });
        await edit.getByLabel('Role on Harbour Street 4').selectOption('site-admin');
        await assertFitsViewport(admin);
        await shot(admin, '4-edit-dialog');
        await edit.getByRole('button', { name: 'Save' }).click();
        await edit.waitFor({ state: 'detached', ...WAIT });
        await carolRow.getByText('Harbour Street 4 (Site admin)').waitFor(WAIT);
        await viewer.reload();
        await viewer.getByRole('button', { name: 'Add device' }).waitFor(WAIT);
        await viewer.getByRole('heading', { name: 'Audit log' }).waitFor(WAIT);
        await shot(viewer, '5-site-admin');

        // Alice cannot make herself a member: the company would have no admin.
        await members
          .getByRole('row')
          .filter({ hasText: alice.email })
          .getByRole('button', { name: 'Edit Alice Admin' })
          .click();
        const self = admin.getByRole('dialog', { name: 'Edit Alice Admin' });
        await self.getByLabel('Company role').selectOption('member');
        await self.getByRole('button', { name: 'Save' }).click();
        await self
          .getByRole('alert')
          .getByText('A company must keep at least one admin.')
          .waitFor(WAIT);
        await assertFitsViewport(admin);
        await shot(admin, '6-last-admin');
        await self.getByRole('button', { name: 'Cancel' }).click();

        // Removed: Carol's next action falls back to her own company; the site is gone.
        await carolRow.getByRole('button', { name: 'Remove Carol Viewer' }).click();
        await admin
          .getByRole('dialog', { name: 'Remove Carol Viewer?' })
          .getByRole('button', { name: 'Remove', exact: true })
          .click();
        await carolRow.waitFor({ state: 'detached', ...WAIT });
        await viewer.getByRole('link', { name: 'Sites', exact: true }).click();
        await viewer.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
        await viewer.getByRole('heading', { name: 'Create a site' }).waitFor(WAIT);
        assert.equal(await viewer.getByRole('link', { name: 'Harbour Street 4' }).count(), 0);
        assert.equal(await switcher.count(), 0, 'one membership left: no switcher');
        await assertFitsViewport(viewer);
        await shot(viewer, '7-removed');
        await viewer.goto(`${cloud.url}/sites/${siteA.id}`);
        await viewer.getByRole('heading', { name: 'The site does not exist.' }).waitFor(WAIT);
        await shot(viewer, '8-site-gone');
      },
    );
  });
}
