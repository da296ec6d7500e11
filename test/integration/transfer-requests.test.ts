import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotTables, startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, codeFor, mintDevices, nextCode } from '../helpers/factories.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
import { auditOf, devicesOf, noticesOf, party, serialsIn } from '../helpers/transfers.ts';

const DAY = 24 * 60 * 60_000;

for (const dialect of testDialects) {
  describe(`requests to release a device (${dialect.name})`, () => {
    it('moves the device to the requester’s site when approved; the owner saw the company name it shared', async (t) => {
      const smtp = await startTestSmtp(t);
      const cloud = await startTestCloud(t, dialect, { smtpUrl: smtp.url });
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);

      const made = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: true,
      });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.state, 'pending');
      const [notice] = await noticesOf(anna, 'transfer-request');
      assert.ok(notice);
      assert.ok(notice.title.includes(bert.company.name), notice.title);
      assert.match((await smtp.waitForMail(anna.email)).parsed.subject ?? '', /release/);

      const received = (await anna.client.get('/api/transfer-requests')).body.received;
      assert.equal(received.length, 1);
      assert.equal(received[0].requesterCompanyName, bert.company.name);
      assert.deepEqual(received[0].site, { id: anna.site.id, name: anna.site.name });
      const sent = (await bert.client.get('/api/transfer-requests')).body.sent;
      assert.deepEqual(sent[0].site, { id: bert.site.id, name: bert.site.name });
      assert.equal(sent[0].requesterCompanyName, null);

      // A second pending request by the same company for the same device.
      const twice = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: false,
      });
      assert.equal(twice.status, 409, twice.text);
      assert.equal(twice.body.error.code, 'DEVICE_BUSY');

      const approved = await anna.client.post(`/api/transfer-requests/${made.body.id}/approve`);
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.request.state, 'approved');
      assert.deepEqual(await serialsIn(bert, bert.site.id), [device!.serialNumber]);
      assert.deepEqual(await serialsIn(anna, anna.site.id), []);
      const [answer] = await noticesOf(bert, 'transfer-request-answered');
      assert.match(answer!.title, /approved/);
      const moved = (await auditOf(cloud, bert.company.id)).find(
        (a) => a.action === 'device.moved-in',
      );
      assert.equal(JSON.parse(moved!.detail).reason, 'request approved');
      assert.ok(
        (await auditOf(cloud, anna.company.id)).some(
          (a) => a.action === 'transfer-request.approved',
        ),
      );
      assert.ok(
        (await auditOf(cloud, bert.company.id)).some(
          (a) => a.action === 'transfer-request.approved',
        ),
      );
      const again = await anna.client.post(`/api/transfer-requests/${made.body.id}/approve`);
      assert.equal(again.status, 409, again.text);
      assert.equal(again.body.error.code, 'TRANSFER_REQUEST_NOT_PENDING');
    });

    it('tells the requester only "declined", and the owner never learns an unshared company name', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: false,
      });
      assert.equal(made.status, 201, made.text);
      const [notice] = await noticesOf(anna, 'transfer-request');
      assert.ok(!JSON.stringify(notice).includes(bert.company.name));
      assert.equal(
        (await anna.client.get('/api/transfer-requests')).body.received[0].requesterCompanyName,
        null,
      );
      assert.ok(!JSON.stringify(await auditOf(cloud, anna.company.id)).includes(bert.company.name));

      const declined = await anna.client.post(`/api/transfer-requests/${made.body.id}/decline`);
      assert.equal(declined.status, 200, declined.text);
      assert.equal(declined.body.request.state, 'declined');
      assert.deepEqual(await serialsIn(anna, anna.site.id), [device!.serialNumber]);
      const [answer] = await noticesOf(bert, 'transfer-request-answered');
      assert.match(answer!.title, /declined/);
      for (const secret of [anna.company.name, anna.site.name, anna.email, anna.user.name]) {
        assert.ok(!JSON.stringify(answer).includes(secret), `the requester is not told ${secret}`);
        assert.ok(!JSON.stringify(await auditOf(cloud, bert.company.id)).includes(secret));
      }
      const sent = (await bert.client.get('/api/transfer-requests')).body.sent[0];
      assert.equal(sent.state, 'declined');
      assert.ok(!JSON.stringify(sent).includes(anna.site.name));
    });

    it('answers a wrong serial or code as a claim does, and counts it toward the claim limits', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const [fresh] = await mintDevices(cloud, 1);
      const ask = (securityCode: string, serialNumber: string = device!.serialNumber) =>
        bert.client.post('/api/transfer-requests', {
          serialNumber,
          securityCode,
          siteId: bert.site.id,
          shareCompanyName: false,
        });
      const wrong = await ask(codeFor({ ...device!, secret: Buffer.alloc(32, 7) }, 0));
      assert.equal(wrong.status, 422, wrong.text);
      assert.equal(wrong.body.error.code, 'SECURITY_CODE_INVALID');
      const unknown = await ask(device!.securityCode, '99-9999-9999');
      assert.equal(unknown.status, 404, unknown.text);
      assert.equal(unknown.body.error.code, 'SERIAL_NOT_FOUND');
      for (let i = 2; i < 10; i++) {
        assert.equal(
          (await ask(codeFor({ ...device!, secret: Buffer.alloc(32, i) }, 0))).status,
          422,
        );
      }
      const before = await snapshotTables(cloud);
      // The 11th attempt is refused before its code is looked at, a right one too.
      const limited = await ask(device!.securityCode);
      assert.equal(limited.status, 429, limited.text);
      assert.equal(limited.body.error.code, 'TOO_MANY_ATTEMPTS');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      // The same limits as a claim: adding a device is refused too.
      const claimed = await claim(
        bert.client,
        bert.site.id,
        fresh!.serialNumber,
        fresh!.securityCode,
      );
      assert.equal(claimed.status, 429, claimed.text);
    });

    it('limits the requests an account sends, counted in the database', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const devices = await devicesOf(cloud, anna, 11);
      for (const device of devices.slice(0, 10)) {
        const made = await bert.client.post('/api/transfer-requests', {
          serialNumber: device.serialNumber,
          securityCode: device.securityCode,
          siteId: bert.site.id,
          shareCompanyName: false,
        });
        assert.equal(made.status, 201, made.text);
      }
      const before = await snapshotTables(cloud);
      const eleventh = await bert.client.post('/api/transfer-requests', {
        serialNumber: devices[10]!.serialNumber,
        securityCode: devices[10]!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: false,
      });
      assert.equal(eleventh.status, 429, eleventh.text);
      assert.equal(eleventh.body.error.code, 'TOO_MANY_TRANSFER_REQUESTS');
      assert.ok(Number(eleventh.headers.get('retry-after')) > 0);
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
    });

    it('needs no request for a free device, one of the company, or one a newer code would move', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [owned] = await devicesOf(cloud, anna, 1);
      const [free] = await mintDevices(cloud, 1);
      const ask = (who: typeof anna, serialNumber: string, securityCode: string) =>
        who.client.post('/api/transfer-requests', {
          serialNumber,
          securityCode,
          siteId: who.site.id,
          shareCompanyName: false,
        });
      const cases = [
        ['free', await ask(bert, free!.serialNumber, free!.securityCode)],
        ['own', await ask(anna, owned!.serialNumber, owned!.securityCode)],
        ['newer code', await ask(bert, owned!.serialNumber, nextCode(owned!, 0))],
      ] as const;
      for (const [label, answer] of cases) {
        assert.equal(answer.status, 409, `${label}: ${answer.text}`);
        assert.equal(answer.body.error.code, 'TRANSFER_REQUEST_NOT_NEEDED', label);
      }
      assert.match(cases[2][1].body.error.cause, /new security code/);
      assert.deepEqual(await serialsIn(anna, anna.site.id), [owned!.serialNumber]);
    });

    it("hides another tenant's request and refuses a viewer's answer, changing nothing", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const carl = await party(cloud, 'Carl');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: true,
      });
      const before = await snapshotTables(cloud);
      for (const who of [carl, bert]) {
        for (const verb of ['approve', 'decline']) {
          const answer = await who.client.post(`/api/transfer-requests/${made.body.id}/${verb}`);
          assert.equal(answer.status, 404, answer.text);
          assert.equal(answer.body.error.code, 'TRANSFER_REQUEST_NOT_FOUND');
        }
      }
      const elsewhere = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: carl.site.id,
        shareCompanyName: true,
      });
      assert.equal(elsewhere.status, 404, elsewhere.text);
      assert.equal(elsewhere.body.error.code, 'SITE_NOT_FOUND');
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');
      assert.deepEqual((await carl.client.get('/api/transfer-requests')).body, {
        sent: [],
        received: [],
      });
    });

    it('expires after 7 days and can then no longer be approved', async (t) => {
      const clock = new TestClock(Date.now());
      const cloud = await startTestCloud(t, dialect, { clock, sessionTtlMs: 30 * DAY });
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: false,
      });
      assert.equal(made.status, 201, made.text);
      clock.advance(7 * DAY);
      assert.equal(
        (await anna.client.get('/api/transfer-requests')).body.received[0].state,
        'expired',
      );
      const late = await anna.client.post(`/api/transfer-requests/${made.body.id}/approve`);
      assert.equal(late.status, 409, late.text);
      assert.equal(late.body.error.code, 'TRANSFER_REQUEST_NOT_PENDING');
      assert.deepEqual(await serialsIn(anna, anna.site.id), [device!.serialNumber]);
      // Another request may be made once the first expired.
      const again = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: false,
      });
      assert.equal(again.status, 201, again.text);
    });

    it('ends a pending request when the owner deletes the device, and tells the requester', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await devicesOf(cloud, anna, 1);
      const made = await bert.client.post('/api/transfer-requests', {
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
        siteId: bert.site.id,
        shareCompanyName: false,
      });
      const deleted = await anna.client.delete(
        `/api/sites/${anna.site.id}/devices/${device!.serialNumber}`,
      );
      assert.equal(deleted.status, 204, deleted.text);
      await cloud.services.transferEnds.idle();
      const sent = (await bert.client.get('/api/transfer-requests')).body.sent[0];
      assert.equal(sent.id, made.body.id);
      assert.equal(sent.state, 'cancelled');
      const [notice] = await noticesOf(bert, 'transfer-cancelled');
      assert.match(notice!.body, /can now be added/);
    });
  });
}
