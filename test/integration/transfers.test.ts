import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertApartment, insertResident } from '../helpers/buildings.ts';
import { snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  joinCompany,
  nextCode,
  registerAccount,
  uniqueEmail,
} from '../helpers/factories.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
import { auditOf, devicesOf, noticesOf, party, serialsIn } from '../helpers/transfers.ts';

const DAY = 24 * 60 * 60_000;

for (const dialect of testDialects) {
  describe(`offers between companies (${dialect.name})`, () => {
    it('moves offered devices into the chosen site on acceptance, audits both sides and mails the receiving admins', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const devices = await devicesOf(cloud, anna, 3);
      const offered = devices.slice(0, 2).map((d) => d.serialNumber);

      const made = await anna.client.post('/api/transfers', {
        toEmail: bert.email.toUpperCase(),
        serialNumbers: offered,
      });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.state, 'pending');
      const expires = new Date(made.body.expiresAt).getTime() - Date.now();
      assert.ok(expires > 6.9 * DAY && expires <= 7 * DAY, 'expires in 7 days');

      // While pending, everything stays with the owner.
      assert.deepEqual(
        await serialsIn(anna, anna.site.id),
        devices.map((d) => d.serialNumber).sort(),
      );
      const mail = await smtp.waitForMail(bert.email);
      assert.match(mail.parsed.subject ?? '', /offers you 2 devices/);
      assert.match(mail.parsed.text ?? '', /\/transfers/);
      assert.equal((await noticesOf(bert, 'transfer-offered')).length, 1);

      const list = await bert.client.get('/api/transfers');
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.offered.length, 0);
      const [received] = list.body.received;
      assert.equal(received.id, made.body.id);
      assert.deepEqual(received.fromCompany, { id: anna.company.id, name: anna.company.name });
      assert.equal(received.site, null);
      assert.deepEqual(
        received.devices.map((d: { serialNumber: string }) => d.serialNumber),
        [...offered].sort(),
      );
      assert.equal((await anna.client.get('/api/transfers')).body.offered[0].id, made.body.id);

      // Someone else asked for one of the devices meanwhile: their request ends with the move.
      const carl = await party(cloud, 'Carl');
      const asked = await carl.client.post('/api/transfer-requests', {
        serialNumber: devices[0]!.serialNumber,
        securityCode: devices[0]!.securityCode,
        siteId: carl.site.id,
        shareCompanyName: false,
      });
      assert.equal(asked.status, 201, asked.text);

      const noSite = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {});
      assert.equal(noSite.status, 400, noSite.text);
      assert.equal(noSite.body.error.code, 'TRANSFER_SITE_REQUIRED');
      const theirSite = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {
        siteId: anna.site.id,
      });
      assert.equal(theirSite.status, 404, theirSite.text);

      const accepted = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {
        siteId: bert.site.id,
      });
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.transfer.state, 'accepted');
      assert.ok(accepted.body.transfer.answeredAt);
      assert.deepEqual(await serialsIn(bert, bert.site.id), [...offered].sort());
      assert.deepEqual(await serialsIn(anna, anna.site.id), [devices[2]!.serialNumber]);

      const again = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {
        siteId: bert.site.id,
      });
      assert.equal(again.status, 409, again.text);
      const request = (await carl.client.get('/api/transfer-requests')).body.sent[0];
      assert.equal(request.state, 'cancelled');
      const [told] = await noticesOf(carl, 'transfer-cancelled');
      assert.match(told!.body, /no longer in the site/);
      assert.equal(again.body.error.code, 'TRANSFER_NOT_PENDING');

      const annaAudit = await auditOf(cloud, anna.company.id);
      const bertAudit = await auditOf(cloud, bert.company.id);
      assert.equal(annaAudit.filter((a) => a.action === 'device.moved-away').length, 2);
      assert.equal(bertAudit.filter((a) => a.action === 'device.moved-in').length, 2);
      assert.ok(annaAudit.some((a) => a.action === 'transfer.offered'));
      assert.ok(annaAudit.some((a) => a.action === 'transfer.accepted'));
      assert.ok(bertAudit.some((a) => a.action === 'transfer.accepted'));
      // Neither side's log names the other side's people.
      assert.ok(!JSON.stringify(annaAudit).includes(bert.email));
      assert.ok(!JSON.stringify(bertAudit).includes(anna.email));
      const answered = await noticesOf(anna, 'transfer-answered');
      assert.equal(answered.length, 1);
      assert.match(answered[0]!.title, /accepted/);
      await smtp.waitForMail(anna.email);
    });

    it('hands a whole site over with its apartments and residents; the old company loses it and its door log', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const devices = await devicesOf(cloud, anna, 2);
      const sam = await registerAccount(cloud, { name: 'Sam' });
      await joinCompany(cloud, sam, anna.company.id, 'member', [
        { siteId: anna.site.id, role: 'site-admin' },
      ]);
      sam.client.companyId = anna.company.id;
      const apartment = await insertApartment(cloud, anna.site.id, '12');
      await insertResident(cloud, anna.site.id, { apartmentId: apartment.id, name: 'Rita' });
      await cloud.store.db
        .insertInto('access_events')
        .values({
          id: 'door-1',
          site_id: anna.site.id,
          serial_number: devices[0]!.serialNumber,
          at: new Date().toISOString(),
          switch: 1,
          access_point: 1,
          granted: 1,
          credential: 'pin',
          reason: null,
          resident_id: null,
          resident_name: 'Rita',
          apartment_name: '12',
          received_at: new Date().toISOString(),
        })
        .execute();

      // A site-admin of the site may offer it whole.
      const made = await sam.client.post('/api/transfers', {
        toEmail: bert.email,
        siteId: anna.site.id,
      });
      assert.equal(made.status, 201, made.text);
      const received = (await bert.client.get('/api/transfers')).body.received[0];
      assert.deepEqual(received.site, { id: anna.site.id, name: anna.site.name });
      assert.equal(received.devices.length, 2);

      const accepted = await bert.client.post(`/api/transfers/${made.body.id}/accept`);
      assert.equal(accepted.status, 200, accepted.text);
      await cloud.services.autoProvisioning.idle();

      const site = await bert.client.get(`/api/sites/${anna.site.id}`);
      assert.equal(site.status, 200, site.text);
      assert.equal(site.body.companyId, bert.company.id);
      assert.deepEqual(
        await serialsIn(bert, anna.site.id),
        devices.map((d) => d.serialNumber).sort(),
      );
      const apartments = await bert.client.get(`/api/sites/${anna.site.id}/apartments`);
      assert.equal(apartments.status, 200, apartments.text);
      assert.deepEqual(
        apartments.body.items.map((a: { name: string }) => a.name),
        ['12'],
      );
      const residents = await bert.client.get(`/api/sites/${anna.site.id}/residents`);
      assert.equal(residents.status, 200, residents.text);
      assert.deepEqual(
        residents.body.items.map((r: { name: string }) => r.name),
        ['Rita'],
      );
      assert.equal((await anna.client.get(`/api/sites/${anna.site.id}`)).status, 404);
      assert.equal((await sam.client.get(`/api/sites/${anna.site.id}`)).status, 404);
      const grants = await cloud.store.db
        .selectFrom('site_memberships')
        .selectAll()
        .where('site_id', '=', anna.site.id)
        .execute();
      assert.deepEqual(grants, []);
      const doorLog = await bert.client.get(`/api/sites/${anna.site.id}/access-log`);
      assert.equal(doorLog.status, 200, doorLog.text);
      assert.deepEqual(doorLog.body.items, [], "the previous owner's door log is gone");
      const annaAudit = await auditOf(cloud, anna.company.id);
      assert.equal(annaAudit.filter((a) => a.action === 'device.moved-away').length, 2);
      assert.ok(
        annaAudit.some((a) => a.action === 'device.added'),
        'the old audit rows stay',
      );
      const moved = (await auditOf(cloud, bert.company.id)).filter(
        (a) => a.action === 'device.moved-in',
      );
      assert.equal(moved.length, 2);
      assert.ok(moved.every((a) => JSON.parse(a.detail).reason === 'site handed over'));
      // The devices stay in the same site id: its directory is not wiped.
      const sync = await cloud.store.db.selectFrom('device_sync').selectAll().execute();
      assert.ok(sync.every((row) => row.site_id === anna.site.id));
    });

    it('leaves everything in place when the offer is rejected, and tells the offering side', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [device!.serialNumber],
      });
      const rejected = await bert.client.post(`/api/transfers/${made.body.id}/reject`);
      assert.equal(rejected.status, 200, rejected.text);
      assert.equal(rejected.body.transfer.state, 'rejected');
      assert.deepEqual(await serialsIn(anna, anna.site.id), [device!.serialNumber]);
      assert.match((await noticesOf(anna, 'transfer-answered'))[0]!.title, /rejected/);
      // The device is free to be offered again.
      const again = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [device!.serialNumber],
      });
      assert.equal(again.status, 201, again.text);
    });

    it('expires after 7 days: it reads and is stored as expired, and cannot be answered', async (t) => {
      const clock = new TestClock(Date.now());
      // Sessions outlive the offer here, so that both sides can still look after 7 days.
      const cloud = await startTestCloud(t, dialect, { clock, sessionTtlMs: 30 * DAY });
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [device!.serialNumber],
      });
      clock.advance(7 * DAY - 1000);
      assert.equal((await bert.client.get('/api/transfers')).body.received[0].state, 'pending');
      clock.advance(1000);
      assert.equal((await bert.client.get('/api/transfers')).body.received[0].state, 'expired');
      const stored = await cloud.store.db
        .selectFrom('transfers')
        .select('state')
        .where('id', '=', made.body.id)
        .executeTakeFirstOrThrow();
      assert.equal(stored.state, 'expired');
      const late = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {
        siteId: bert.site.id,
      });
      assert.equal(late.status, 409, late.text);
      assert.equal(late.body.error.code, 'TRANSFER_NOT_PENDING');
      assert.deepEqual(await serialsIn(anna, anna.site.id), [device!.serialNumber]);
      const cancel = await anna.client.post(`/api/transfers/${made.body.id}/cancel`);
      assert.equal(cancel.status, 409, cancel.text);
    });

    it('is cancelled by the offering side until answered; the receiving admins are told', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [device!.serialNumber],
      });
      // The receiving side cannot cancel it: it is not their offer.
      const theirs = await bert.client.post(`/api/transfers/${made.body.id}/cancel`);
      assert.equal(theirs.status, 404, theirs.text);
      const cancelled = await anna.client.post(`/api/transfers/${made.body.id}/cancel`);
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body.transfer.state, 'cancelled');
      assert.equal((await noticesOf(bert, 'transfer-cancelled')).length, 1);
      const late = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {
        siteId: bert.site.id,
      });
      assert.equal(late.status, 409, late.text);
      assert.deepEqual(await serialsIn(anna, anna.site.id), [device!.serialNumber]);
    });

    it('is cancelled when a claim by a regenerated code takes a device, and both sides are told why', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const carl = await party(cloud, 'Carl');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [device!.serialNumber],
      });
      const taken = await claim(
        carl.client,
        carl.site.id,
        device!.serialNumber,
        nextCode(device!, 0),
      );
      assert.equal(taken.status, 201, taken.text);
      assert.equal(taken.body.outcome, 'moved');
      await cloud.services.transferEnds.idle();

      const offer = (await anna.client.get('/api/transfers')).body.offered[0];
      assert.equal(offer.state, 'cancelled');
      assert.match(offer.reason, /new security code/);
      for (const side of [anna, bert]) {
        const [notice] = await noticesOf(side, 'transfer-cancelled');
        assert.ok(notice, 'told');
        assert.match(notice.body, /new security code/);
      }
      const late = await bert.client.post(`/api/transfers/${made.body.id}/accept`, {
        siteId: bert.site.id,
      });
      assert.equal(late.status, 409, late.text);
      assert.deepEqual(await serialsIn(carl, carl.site.id), [device!.serialNumber]);
    });

    it('refuses what may not be offered, and changes nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const carl = await party(cloud, 'Carl');
      const devices = await devicesOf(cloud, anna, 2);
      const carlDevices = await devicesOf(cloud, carl, 1);
      const vera = await registerAccount(cloud, { name: 'Vera' });
      await joinCompany(cloud, vera, anna.company.id, 'member', [
        { siteId: anna.site.id, role: 'viewer' },
      ]);
      vera.client.companyId = anna.company.id;
      const colleague = await registerAccount(cloud, { name: 'Colin' });
      await cloud.store.db
        .deleteFrom('memberships')
        .where('user_id', '=', colleague.user.id)
        .execute();
      await joinCompany(cloud, colleague, anna.company.id, 'member');
      const serial = devices[0]!.serialNumber;
      const made = await anna.client.post('/api/transfers', {
        toEmail: bert.email,
        serialNumbers: [serial],
      });
      assert.equal(made.status, 201, made.text);
      const before = await snapshotTables(cloud);

      const cases: [
        string,
        () => Promise<{ status: number; body: { error: { code: string } } }>,
        number,
        string,
      ][] = [
        [
          'a viewer',
          () =>
            vera.client.post('/api/transfers', {
              toEmail: bert.email,
              serialNumbers: [devices[1]!.serialNumber],
            }),
          403,
          'INSUFFICIENT_ROLE',
        ],
        [
          'a device already offered',
          () =>
            anna.client.post('/api/transfers', { toEmail: bert.email, serialNumbers: [serial] }),
          409,
          'DEVICE_BUSY',
        ],
        [
          "another company's device",
          () =>
            anna.client.post('/api/transfers', {
              toEmail: bert.email,
              serialNumbers: [carlDevices[0]!.serialNumber],
            }),
          404,
          'DEVICE_NOT_FOUND',
        ],
        [
          "another company's site",
          () => anna.client.post('/api/transfers', { toEmail: bert.email, siteId: carl.site.id }),
          404,
          'SITE_NOT_FOUND',
        ],
        [
          'an address without an account',
          () =>
            anna.client.post('/api/transfers', {
              toEmail: uniqueEmail('nobody'),
              serialNumbers: [devices[1]!.serialNumber],
            }),
          422,
          'TRANSFER_RECIPIENT_UNKNOWN',
        ],
        [
          'a person only of the offering company',
          () =>
            anna.client.post('/api/transfers', {
              toEmail: colleague.email,
              serialNumbers: [devices[1]!.serialNumber],
            }),
          422,
          'TRANSFER_RECIPIENT_UNKNOWN',
        ],
        [
          'both devices and a site',
          () =>
            anna.client.post('/api/transfers', {
              toEmail: bert.email,
              siteId: anna.site.id,
              serialNumbers: [devices[1]!.serialNumber],
            }),
          400,
          'TRANSFER_EMPTY',
        ],
        [
          'no devices',
          () => anna.client.post('/api/transfers', { toEmail: bert.email, serialNumbers: [] }),
          400,
          'TRANSFER_EMPTY',
        ],
        [
          '501 devices',
          () =>
            anna.client.post('/api/transfers', {
              toEmail: bert.email,
              serialNumbers: Array.from({ length: 501 }, () => serial),
            }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          "another tenant's offer",
          () => carl.client.post(`/api/transfers/${made.body.id}/accept`, { siteId: carl.site.id }),
          404,
          'TRANSFER_NOT_FOUND',
        ],
        [
          "another tenant's offer, rejected",
          () => carl.client.post(`/api/transfers/${made.body.id}/reject`),
          404,
          'TRANSFER_NOT_FOUND',
        ],
        [
          "another tenant's offer, cancelled",
          () => carl.client.post(`/api/transfers/${made.body.id}/cancel`),
          404,
          'TRANSFER_NOT_FOUND',
        ],
        [
          'the offering side accepting',
          () => anna.client.post(`/api/transfers/${made.body.id}/accept`, { siteId: anna.site.id }),
          404,
          'TRANSFER_NOT_FOUND',
        ],
      ];
      for (const [label, sent, status, code] of cases) {
        const answer = await sent();
        assert.equal(answer.status, status, `${label}: ${JSON.stringify(answer.body)}`);
        if (code !== 'VALIDATION_FAILED') assert.equal(answer.body.error.code, code, label);
      }
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      const carlSees = await carl.client.get('/api/transfers');
      assert.deepEqual(carlSees.body, { offered: [], received: [] });
    });
  });
}
