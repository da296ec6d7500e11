import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  assertFitsViewport,
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
} from '../helpers/browser.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { createSite, registerAccount } from '../helpers/factories.ts';
import {
  movedAwayNotification,
  notificationRows,
} from '../../src/cloud/services/notifications.service.ts';

/** Generous: the suite runs two files at once on two cores. */
const WAIT = { timeout: 15_000 };

describe('notifications in the portal', () => {
  itAtEachViewport(
    'marks one notification read from the bell, and turns a kind of mail off on the Account page',
    async (t, viewport) => {
      const browser = await launchBrowser(t);
      const cloud = await startTestCloud(t, sqliteTestDialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const site = await createSite(anna.client, 'Main Street 1');
      // Two devices moved away from her site (the rows a claim elsewhere writes).
      const rows = ['54-0562-0293', '54-0562-0294'].flatMap((serial, i) =>
        notificationRows(
          [anna.user.id],
          movedAwayNotification(serial, site),
          new Date(Date.now() + i).toISOString(),
        ),
      );
      await cloud.store.db.insertInto('notifications').values(rows).execute();

      const page = await openPortalPage(browser, viewport);
      await signInInPortal(page, cloud.url, anna);

      await page.getByRole('button', { name: 'Notifications, 2 unread' }).click();
      await page.getByRole('button', { name: /Mark read: Device 54-0562-0293/ }).click();
      await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor(WAIT);
      await assertFitsViewport(page);
      await screenshot(page, 'notifications-bell');
      const list = (await anna.client.get('/api/notifications')).body as {
        items: { serialNumber: string; readAt: string | null }[];
      };
      const readOf = (serial: string) => list.items.find((n) => n.serialNumber === serial)!.readAt;
      assert.ok(readOf('54-0562-0293'), 'the one marked is read');
      assert.equal(readOf('54-0562-0294'), null, 'the other stays unread');

      // The Account page: no more mail when a device is moved away.
      await page.goto(`${cloud.url}/account`);
      await page.getByRole('heading', { name: 'E-mail notifications' }).waitFor(WAIT);
      const moved = page.getByLabel('A device was moved away from a site');
      await moved.waitFor(WAIT);
      assert.equal(await moved.isChecked(), true, 'every kind is mailed by default');
      await moved.uncheck();
      await page.getByRole('button', { name: 'Save e-mail settings' }).click();
      await page.waitForFunction(
        async () => {
          const answer = await fetch('/api/me/notification-settings');
          const body = (await answer.json()) as { mail: Record<string, boolean> };
          return body.mail['device-moved-away'] === false;
        },
        null,
        WAIT,
      );
      const settings = (await anna.client.get('/api/me/notification-settings')).body;
      assert.equal(settings.mail['device-moved-away'], false);
      assert.equal(settings.mail['code-regenerated'], true, 'the other kinds stay on');
      await assertFitsViewport(page);
      await screenshot(page, 'notifications-settings');
    },
  );
});
