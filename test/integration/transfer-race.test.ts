import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { devicesOf, party } from '../helpers/transfers.ts';

const ROUNDS = 20;
const HOUR = 60 * 60_000;

for (const dialect of testDialects) {
  describe(`an offer and a request for one device (${dialect.name})`, () => {
    it(`has exactly one winner when both are answered at once (${ROUNDS} rounds)`, async (t) => {
      const clock = new TestClock(Date.now());
      const cloud = await startTestCloud(t, dialect, { clock, sessionTtlMs: 100 * HOUR });
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const carl = await party(cloud, 'Carl');
      const wins = { offer: 0, request: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        // Carl's requests stay under the per-account limit.
        clock.advance(HOUR);
        const [device] = await devicesOf(cloud, anna, 1);
        const serial = device!.serialNumber;
        const offer = await anna.client.post('/api/transfers', {
          toEmail: bert.email,
          serialNumbers: [serial],
        });
        assert.equal(offer.status, 201, offer.text);
        const request = await carl.client.post('/api/transfer-requests', {
          serialNumber: serial,
          securityCode: device!.securityCode,
          siteId: carl.site.id,
          shareCompanyName: false,
        });
        assert.equal(request.status, 201, request.text);

        const [accepted, approved] = await Promise.all([
          bert.client.post(`/api/transfers/${offer.body.id}/accept`, { siteId: bert.site.id }),
          anna.client.post(`/api/transfer-requests/${request.body.id}/approve`),
        ]);
        const statuses = [accepted.status, approved.status].sort();
        assert.deepEqual(
          statuses,
          [200, 409],
          `round ${round}: ${accepted.text} / ${approved.text}`,
        );
        const offerWon = accepted.status === 200;
        wins[offerWon ? 'offer' : 'request'] += 1;
        const loser = offerWon ? approved : accepted;
        assert.equal(
          loser.body.error.code,
          offerWon ? 'TRANSFER_REQUEST_NOT_PENDING' : 'TRANSFER_NOT_PENDING',
        );
        await cloud.services.transferEnds.idle();

        // The device is in exactly one place: the winner's site.
        const owners = await cloud.store.db
          .selectFrom('ownerships')
          .select('site_id')
          .where('serial_number', '=', serial)
          .execute();
        assert.deepEqual(owners, [{ site_id: offerWon ? bert.site.id : carl.site.id }]);
        const audit = await cloud.store.db
          .selectFrom('audit_events')
          .select(['company_id', 'action'])
          .where('serial_number', '=', serial)
          .where('action', 'in', ['device.moved-in', 'device.moved-away'])
          .execute();
        assert.deepEqual(
          audit.map((a) => `${a.company_id} ${a.action}`).sort(),
          [
            `${anna.company.id} device.moved-away`,
            `${offerWon ? bert.company.id : carl.company.id} device.moved-in`,
          ].sort(),
          `round ${round}: one move, audited once on each side`,
        );
        const offerState = await cloud.store.db
          .selectFrom('transfers')
          .select('state')
          .where('id', '=', offer.body.id)
          .executeTakeFirstOrThrow();
        const requestState = await cloud.store.db
          .selectFrom('transfer_requests')
          .select('state')
          .where('id', '=', request.body.id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          [offerState.state, requestState.state],
          offerWon ? ['accepted', 'cancelled'] : ['cancelled', 'approved'],
        );
        // The loser ended with its reason, and its people were told.
        const told = await cloud.store.db
          .selectFrom('notifications')
          .select('user_id')
          .where('kind', '=', 'transfer-cancelled')
          .where('serial_number', '=', serial)
          .execute();
        assert.deepEqual(
          told.map((row) => row.user_id).sort(),
          (offerWon ? [carl.user.id] : [anna.user.id, bert.user.id]).sort(),
        );
      }
      t.diagnostic(`offer won ${wins.offer}, request won ${wins.request} of ${ROUNDS}`);
    });
  });
}
