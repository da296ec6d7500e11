import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, TestClock, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, codeFor, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, type ApiResponse } from '../helpers/http.ts';

const MINUTE = 60_000;

/** Ten-digit serial numbers that were never minted (the registry draws random ones). */
function unknownSerial(i: number): string {
  return `00-0000-${String(i).padStart(4, '0')}`;
}

/** Two minted devices, the first claimed by an owner who can count their failure notices. */
async function ownerWithDevice(cloud: TestCloud) {
  const [device, spare] = await mintDevices(cloud, 2);
  const owner = await registerAccount(cloud, { name: 'Owner' });
  const ownerSite = await createSite(owner.client);
  await claim(owner.client, ownerSite.id, device!.serialNumber, device!.securityCode);
  const failureNotices = async () =>
    (await owner.client.get('/api/notifications?limit=100')).body.items.filter(
      (n: { kind: string }) => n.kind === 'claim-failures',
    ).length;
  return { device: device!, spare: spare!, owner, ownerSite, failureNotices };
}

function assertTooMany(response: ApiResponse, retryAfterSeconds: number): void {
  assertErrorBody(response, 429, 'TOO_MANY_ATTEMPTS');
  assert.equal(response.headers.get('retry-after'), String(retryAfterSeconds));
  assert.match(response.body.error.hints.join(' '), /Retry-After/);
}

for (const dialect of testDialects) {
  describe(`rate limits on adding devices (${dialect.name})`, () => {
    it('locks an account after 10 failed claims for 15 minutes, on every address, even with the right code', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const [device, other] = await mintDevices(cloud, 2);
      const guesser = await registerAccount(cloud, {}, { localAddress: '127.0.0.2' });
      const site = await createSite(guesser.client);

      for (let i = 0; i < 10; i++) {
        const miss = await claim(guesser.client, site.id, unknownSerial(i), device!.securityCode);
        assertErrorBody(miss, 404, 'SERIAL_NOT_FOUND');
        assert.equal(miss.headers.get('retry-after'), null);
      }
      const right = await claim(
        guesser.client,
        site.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assertTooMany(right, 15 * 60);
      // The same account from another address is still locked (per account).
      const elsewhere = guesser.client.clone({ localAddress: '127.0.0.3' });
      assertTooMany(
        await claim(elsewhere, site.id, device!.serialNumber, device!.securityCode),
        900,
      );
      // The refusal is audited; the device stays free.
      const audit = await guesser.client.get(`/api/sites/${site.id}/audit`);
      // (The clock stands still here, so the audit's order among equal timestamps is not asserted.)
      const codes = audit.body.items.map((e: { errorCode: string }) => e.errorCode);
      assert.equal(codes.filter((c: string) => c === 'TOO_MANY_ATTEMPTS').length, 2);
      assert.equal(codes.filter((c: string) => c === 'SERIAL_NOT_FOUND').length, 10);
      const owned = await cloud.store.db.selectFrom('ownerships').selectAll().execute();
      assert.deepEqual(owned, []);

      // Someone else, from another address, is not affected.
      const bystander = await registerAccount(cloud, {}, { localAddress: '127.0.0.3' });
      const bystanderSite = await createSite(bystander.client);
      const ok = await claim(
        bystander.client,
        bystanderSite.id,
        other!.serialNumber,
        other!.securityCode,
      );
      assert.equal(ok.status, 201, ok.text);

      // Ten minutes later the wait is five minutes; after fifteen the account may try again.
      clock.advance(10 * MINUTE);
      assertTooMany(
        await claim(guesser.client, site.id, device!.serialNumber, device!.securityCode),
        300,
      );
      clock.advance(5 * MINUTE);
      const later = await claim(
        guesser.client,
        site.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assert.equal(later.status, 201, later.text);
    });

    it('locks a client address after 10 failed claims, whatever the account', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const [device] = await mintDevices(cloud, 1);
      // Five failures from each of two accounts on one address.
      for (const name of ['First', 'Second']) {
        const account = await registerAccount(cloud, { name }, { localAddress: '127.0.0.4' });
        const site = await createSite(account.client);
        for (let i = 0; i < 5; i++) {
          const miss = await claim(
            account.client,
            site.id,
            unknownSerial(100 + i),
            device!.securityCode,
          );
          assertErrorBody(miss, 404, 'SERIAL_NOT_FOUND');
        }
      }
      const third = await registerAccount(cloud, { name: 'Third' }, { localAddress: '127.0.0.4' });
      const thirdSite = await createSite(third.client);
      assertTooMany(
        await claim(third.client, thirdSite.id, device!.serialNumber, device!.securityCode),
        900,
      );
      // The same account from another address is fine.
      const moved = third.client.clone({ localAddress: '127.0.0.5' });
      const ok = await claim(moved, thirdSite.id, device!.serialNumber, device!.securityCode);
      assert.equal(ok.status, 201, ok.text);
    });

    it("never refuses a right code because of strangers' wrong codes on the serial, and tells the owner once", async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const [device, spare] = await mintDevices(cloud, 2);
      const owner = await registerAccount(cloud, { name: 'Owner' }, { localAddress: '127.0.0.6' });
      const ownerSite = await createSite(owner.client);
      assert.equal(
        (await claim(owner.client, ownerSite.id, device!.serialNumber, codeFor(device!, 3))).status,
        201,
      );

      // Twelve wrong or replaced codes from six throwaway accounts on six addresses.
      for (let i = 0; i < 6; i++) {
        const stranger = await registerAccount(
          cloud,
          { name: `Stranger ${i}` },
          { localAddress: `127.0.1.${i + 1}` },
        );
        const strangerSite = await createSite(stranger.client);
        const wrong = await claim(
          stranger.client,
          strangerSite.id,
          device!.serialNumber,
          spare!.securityCode,
        );
        assertErrorBody(wrong, 422, 'SECURITY_CODE_INVALID');
        const old = await claim(
          stranger.client,
          strangerSite.id,
          device!.serialNumber,
          codeFor(device!, i % 3),
        );
        assertErrorBody(old, 422, 'SECURITY_CODE_REPLACED');
      }

      // The owner's right code is answered on its merits, not 429.
      assertErrorBody(
        await claim(owner.client, ownerSite.id, device!.serialNumber, codeFor(device!, 3)),
        409,
        'ALREADY_IN_THIS_SITE',
      );
      // A newcomer with the newest code, from a clean account and address, moves the device.
      const newcomer = await registerAccount(cloud, { name: 'New' }, { localAddress: '127.0.0.9' });
      const newcomerSite = await createSite(newcomer.client);
      const moved = await claim(
        newcomer.client,
        newcomerSite.id,
        device!.serialNumber,
        codeFor(device!, 4),
      );
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.body.outcome, 'moved');

      // Every failure is audited with the serial; the owner was told once, after the tenth.
      const refused = await cloud.store.db
        .selectFrom('audit_events')
        .select('error_code')
        .where('serial_number', '=', device!.serialNumber)
        .where('outcome', '=', 'refused')
        .where('error_code', 'in', ['SECURITY_CODE_INVALID', 'SECURITY_CODE_REPLACED'])
        .execute();
      assert.equal(refused.length, 12);
      const notices = await owner.client.get('/api/notifications?limit=100');
      const tried = notices.body.items.filter((n: { kind: string }) => n.kind === 'claim-failures');
      assert.equal(tried.length, 1, JSON.stringify(notices.body.items));
      assert.match(tried[0].title, /wrong security codes/);
      assert.equal(tried[0].serialNumber, device!.serialNumber);
    });

    it('tells the owner only after 10 failures in a window, and again in a later window', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const { device, spare, failureNotices: notices } = await ownerWithDevice(cloud);
      const strangers = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          const account = await registerAccount(cloud, {}, { localAddress: `127.0.2.${i + 1}` });
          return { account, site: await createSite(account.client) };
        }),
      );
      const guess = (i: number) => {
        const { account, site } = strangers[i % strangers.length]!;
        return claim(account.client, site.id, device!.serialNumber, spare!.securityCode);
      };

      for (let i = 0; i < 9; i++) assertErrorBody(await guess(i), 422, 'SECURITY_CODE_INVALID');
      assert.equal(await notices(), 0, 'nine failures are no notice yet');
      assertErrorBody(await guess(9), 422, 'SECURITY_CODE_INVALID');
      assert.equal(await notices(), 1);
      // The window has passed: ten more are another attack, told again once.
      clock.advance(16 * MINUTE);
      for (let i = 0; i < 9; i++) await guess(i);
      assert.equal(await notices(), 1);
      await guess(9);
      assert.equal(await notices(), 2);
    });

    it('tells the owner once when 12 strangers guess at the same moment', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const { device, spare, failureNotices } = await ownerWithDevice(cloud);
      const strangers = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const account = await registerAccount(cloud, {}, { localAddress: `127.0.3.${i + 1}` });
          return { account, site: await createSite(account.client) };
        }),
      );

      const answers = await Promise.all(
        strangers.map(({ account, site }) =>
          claim(account.client, site.id, device!.serialNumber, spare!.securityCode),
        ),
      );

      for (const answer of answers) assertErrorBody(answer, 422, 'SECURITY_CODE_INVALID');
      assert.equal(await failureNotices(), 1);
    });

    it('holds the limit when 20 guesses arrive at once', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const [device, other] = await mintDevices(cloud, 2);
      const guesser = await registerAccount(cloud, {}, { localAddress: '127.0.0.10' });
      const site = await createSite(guesser.client);

      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          claim(guesser.client, site.id, device!.serialNumber, other!.securityCode),
        ),
      );
      const evaluated = answers.filter((a) => a.status === 422);
      const throttled = answers.filter((a) => a.status === 429);
      assert.equal(evaluated.length + throttled.length, 20);
      for (const answer of evaluated) assertErrorBody(answer, 422, 'SECURITY_CODE_INVALID');
      for (const answer of throttled) assertTooMany(answer, 900);
      // At most 10 guesses may be checked against the device per window, however they arrive.
      assert.ok(
        evaluated.length <= 10,
        `${evaluated.length} of 20 simultaneous guesses were checked against the device`,
      );
    });

    it('does not count refusals that are not guesses', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock });
      const [device, fresh] = await mintDevices(cloud, 2);
      const owner = await registerAccount(cloud, { name: 'Owner' });
      const ownerSite = await createSite(owner.client);
      await claim(owner.client, ownerSite.id, device!.serialNumber, device!.securityCode);
      const other = await registerAccount(cloud, { name: 'Other' });
      const otherSite = await createSite(other.client);

      for (let i = 0; i < 12; i++) {
        assertErrorBody(
          await claim(other.client, otherSite.id, device!.serialNumber, device!.securityCode),
          409,
          'DEVICE_ALREADY_ADDED',
        );
        assertErrorBody(
          await claim(owner.client, ownerSite.id, device!.serialNumber, device!.securityCode),
          409,
          'ALREADY_IN_THIS_SITE',
        );
        assertErrorBody(
          await claim(other.client, otherSite.id, 'not a serial', device!.securityCode),
          400,
          'VALIDATION_FAILED',
        );
        assertErrorBody(
          await claim(other.client, ownerSite.id, device!.serialNumber, device!.securityCode),
          404,
          'SITE_NOT_FOUND',
        );
      }
      const failures = await cloud.store.db.selectFrom('attempt_failures').selectAll().execute();
      assert.equal(failures.length, 0);
      const ok = await claim(other.client, otherSite.id, fresh!.serialNumber, fresh!.securityCode);
      assert.equal(ok.status, 201, ok.text);
    });
  });
}
