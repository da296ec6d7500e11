import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  ClaimPlanner,
  ClaimTicket,
  ClaimView,
} from '../../src/cloud/store/claim-committer.ts';
import type { ClaimWrites } from '../../src/cloud/store/repos/claims.repo.ts';
import { startTestCloud, TestClock, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  codeFor,
  createSite,
  mintDevices,
  nextCode,
  registerAccount,
  type Account,
  type Site,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';

// One contract (src/cloud/store/claim-committer.ts), every dialect's committer held to it: first
// the port itself with a planner of the test's own, then the claim rules through the HTTP API.

const MINUTE = 60_000;
const LIMITS = { maxFailures: 3, windowMs: 15 * MINUTE };

/** An account with a site of its own, from its own client address. */
async function installer(cloud: TestCloud, address: string) {
  const account = await registerAccount(cloud, {}, { localAddress: address });
  const site = await createSite(account.client);
  return { account, site };
}

function ticketFor(who: { account: Account; site: Site }, serial: string, now = new Date()) {
  const account = { scope: 'claim-account', key: who.account.user.id };
  return {
    siteId: who.site.id,
    userId: who.account.user.id,
    serialNumber: serial,
    scopes: [account],
    failureScopes: [account, { scope: 'claim-serial', key: serial }],
    limit: {
      since: new Date(now.getTime() - LIMITS.windowMs).toISOString(),
      maxFailures: LIMITS.maxFailures,
      windowMs: LIMITS.windowMs,
    },
    now,
  } satisfies ClaimTicket;
}

const NOTHING: ClaimWrites = {
  ownership: null,
  raiseGeneration: null,
  audit: [],
  notifications: [],
  webhooks: [],
  recordsFailure: false,
  failureNotice: null,
};

/**
 * A planner that takes the device for the ticket's site when nobody owns it and nothing is
 * limited, and otherwise writes nothing; it keeps every view it was asked to plan on, with who
 * is told about the target site (its company's admins and site-admins).
 */
function takeIfFree(ticket: ClaimTicket) {
  const views: (ClaimView & { members: string[] })[] = [];
  const plan: ClaimPlanner<'taken' | 'owned' | 'limited'> = async (view) => {
    // Members are read where the plan is made (in SQLite's transaction, which ends after it).
    views.push({ ...view, members: await view.recipientsOf(view.site.id) });
    if (view.limited) return { result: 'limited', writes: NOTHING };
    if (view.device?.owner) return { result: 'owned', writes: NOTHING };
    return {
      result: 'taken',
      writes: {
        ...NOTHING,
        ownership: {
          row: {
            serial_number: ticket.serialNumber,
            site_id: view.site.id,
            claimed_generation: 0,
            claimed_at: ticket.now.toISOString(),
            claimed_by: ticket.userId,
          },
          replaces: false,
        },
      },
    };
  };
  return { plan, views };
}

const ownersOf = async (cloud: TestCloud, serial: string) =>
  (
    await cloud.store.db
      .selectFrom('ownerships')
      .select('site_id')
      .where('serial_number', '=', serial)
      .execute()
  ).map((row) => row.site_id);

const failuresOf = async (cloud: TestCloud, scope: string, key: string) =>
  (
    await cloud.store.db
      .selectFrom('attempt_failures')
      .select('id')
      .where('scope', '=', scope)
      .where('scope_key', '=', key)
      .execute()
  ).length;

for (const dialect of testDialects) {
  describe(`claim committer conformance, the port (${dialect.name})`, () => {
    it("reads the site for its members only, and commits a plan's writes with its result", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const ours = await installer(cloud, '127.0.0.2');
      const theirs = await installer(cloud, '127.0.0.3');
      const committer = cloud.store.claims;
      const ticket = ticketFor(ours, device!.serialNumber);

      assert.equal(
        await committer.read({ ...ticket, siteId: theirs.site.id }),
        undefined,
        "another company's site is not read",
      );
      const read = await committer.read(ticket);
      assert.equal(read!.site.id, ours.site.id);
      const planner = takeIfFree(ticket);
      assert.equal(await committer.commit(ticket, read!, planner.plan), 'taken');

      const view = planner.views.at(-1)!;
      assert.equal(view.device!.serial_number, device!.serialNumber);
      assert.equal(view.device!.owner, null);
      assert.equal(view.limited, null);
      assert.deepEqual(view.members, [ours.account.user.id]);
      assert.deepEqual(await ownersOf(cloud, device!.serialNumber), [ours.site.id]);
    });

    it('plans a stale read again on what holds at the commit, and writes nothing of the stale plan', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const late = await installer(cloud, '127.0.0.2');
      const early = await installer(cloud, '127.0.0.3');
      const committer = cloud.store.claims;
      const lateTicket = ticketFor(late, device!.serialNumber);
      // Read while the device is free, then someone else takes it before the commit.
      const staleRead = await committer.read(lateTicket);
      const earlyTicket = ticketFor(early, device!.serialNumber);
      const earlyRead = await committer.read(earlyTicket);
      assert.equal(
        await committer.commit(earlyTicket, earlyRead!, takeIfFree(earlyTicket).plan),
        'taken',
      );

      const planner = takeIfFree(lateTicket);
      const result = await committer.commit(lateTicket, staleRead!, planner.plan);

      assert.equal(result, 'owned', 'the committed plan saw the new owner');
      assert.equal(planner.views.at(-1)!.device!.owner!.site_id, early.site.id);
      assert.deepEqual(await ownersOf(cloud, device!.serialNumber), [early.site.id]);
    });

    it('gives the plan TOO_MANY_ATTEMPTS with the wait when a scope is full, and commits the refusal', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const who = await installer(cloud, '127.0.0.2');
      const now = new Date();
      const ticket = ticketFor(who, device!.serialNumber, now);
      // The oldest of the three failures leaves the window five minutes from now.
      await cloud.store.db
        .insertInto('attempt_failures')
        .values(
          [10, 5, 1].map((minutesAgo) => ({
            scope: 'claim-account',
            scope_key: who.account.user.id,
            created_at: new Date(now.getTime() - minutesAgo * MINUTE).toISOString(),
          })),
        )
        .execute();
      const refusal = { ...NOTHING, recordsFailure: true };
      const views: ClaimView[] = [];

      const result = await cloud.store.claims.commit(
        ticket,
        (await cloud.store.claims.read(ticket))!,
        async (view) => {
          views.push(view);
          return view.limited
            ? { result: view.limited, writes: NOTHING }
            : { result: null, writes: refusal };
        },
      );

      assert.equal(result?.code, 'TOO_MANY_ATTEMPTS');
      assert.equal(result?.retryAfterSeconds, 5 * 60);
      assert.equal(await failuresOf(cloud, 'claim-account', who.account.user.id), 3);
      assert.deepEqual(await ownersOf(cloud, device!.serialNumber), []);
    });

    it('commits exactly one of 10 simultaneous plans that take one free device', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const claimants = await Promise.all(
        Array.from({ length: 10 }, (_, i) => installer(cloud, `127.0.1.${i + 1}`)),
      );
      const committer = cloud.store.claims;

      const results = await Promise.all(
        claimants.map(async (who) => {
          const ticket = ticketFor(who, device!.serialNumber);
          return committer.commit(ticket, (await committer.read(ticket))!, takeIfFree(ticket).plan);
        }),
      );

      assert.equal(results.filter((result) => result === 'taken').length, 1, results.join(','));
      assert.equal(results.filter((result) => result === 'owned').length, 9);
      const winner = claimants[results.indexOf('taken')]!;
      assert.deepEqual(await ownersOf(cloud, device!.serialNumber), [winner.site.id]);
    });
  });

  describe(`claim committer conformance, the claim rules over HTTP (${dialect.name})`, () => {
    it('adds, answers already-in-this-site and already-added, and moves on a new code', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const owner = await installer(cloud, '127.0.0.2');
      const other = await installer(cloud, '127.0.0.3');
      const serial = device!.serialNumber;

      const added = await claim(owner.account.client, owner.site.id, serial, device!.securityCode);
      assert.equal(added.status, 201, added.text);
      assert.equal(added.body.outcome, 'added');
      assertErrorBody(
        await claim(owner.account.client, owner.site.id, serial, device!.securityCode),
        409,
        'ALREADY_IN_THIS_SITE',
      );
      assertErrorBody(
        await claim(other.account.client, other.site.id, serial, device!.securityCode),
        409,
        'DEVICE_ALREADY_ADDED',
      );
      const moved = await claim(other.account.client, other.site.id, serial, nextCode(device!, 0));
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.body.outcome, 'moved');
      assert.deepEqual(await ownersOf(cloud, serial), [other.site.id]);
      // The code the device showed before the move no longer works for anyone.
      assertErrorBody(
        await claim(owner.account.client, owner.site.id, serial, device!.securityCode),
        422,
        'SECURITY_CODE_REPLACED',
      );
    });

    it('refuses a wrong code and an unknown serial, recording each failure on the serial too', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const who = await installer(cloud, '127.0.0.2');
      const wrong = codeFor({ ...device!, secret: Buffer.alloc(32, 7) }, 0);

      const before = await cloud.store.db.selectFrom('ownerships').select('site_id').execute();
      assertErrorBody(
        await claim(who.account.client, who.site.id, device!.serialNumber, wrong),
        422,
        'SECURITY_CODE_INVALID',
      );
      assertErrorBody(
        await claim(who.account.client, who.site.id, '00-0000-0001', device!.securityCode),
        404,
        'SERIAL_NOT_FOUND',
      );

      assert.deepEqual(
        await cloud.store.db.selectFrom('ownerships').select('site_id').execute(),
        before,
      );
      assert.equal(await failuresOf(cloud, 'claim-account', who.account.user.id), 2);
      assert.equal(await failuresOf(cloud, 'claim-ip', '127.0.0.2'), 2);
      assert.equal(await failuresOf(cloud, 'claim-serial', device!.serialNumber), 1);
    });

    it('limits per account and per address with Retry-After, never per serial, and tells the owner once', async (t) => {
      const clock = new TestClock();
      const cloud = await startTestCloud(t, dialect, { clock, claimLimits: LIMITS });
      const [device] = await mintDevices(cloud, 1);
      const owner = await installer(cloud, '127.0.0.2');
      const serial = device!.serialNumber;
      assert.equal(
        (await claim(owner.account.client, owner.site.id, serial, device!.securityCode)).status,
        201,
      );
      const wrong = codeFor({ ...device!, secret: Buffer.alloc(32, 7) }, 0);
      const guesser = await installer(cloud, '127.0.0.3');

      for (let i = 0; i < LIMITS.maxFailures; i++) {
        const miss = await claim(guesser.account.client, guesser.site.id, serial, wrong);
        assertErrorBody(miss, 422, 'SECURITY_CODE_INVALID');
      }
      const limited = await claim(guesser.account.client, guesser.site.id, serial, wrong);
      assertErrorBody(limited, 429, 'TOO_MANY_ATTEMPTS');
      assert.equal(limited.headers.get('retry-after'), String(15 * 60));
      // The same account elsewhere is limited (per account), and so is its address for another.
      const elsewhere = guesser.account.client.clone({ localAddress: '127.0.0.4' });
      assertErrorBody(
        await claim(elsewhere, guesser.site.id, serial, wrong),
        429,
        'TOO_MANY_ATTEMPTS',
      );
      const neighbour = await installer(cloud, '127.0.0.3');
      assertErrorBody(
        await claim(neighbour.account.client, neighbour.site.id, serial, wrong),
        429,
        'TOO_MANY_ATTEMPTS',
      );
      // The serial's failures refuse nobody: a fresh account on a fresh address is answered.
      const stranger = await installer(cloud, '127.0.0.5');
      assertErrorBody(
        await claim(stranger.account.client, stranger.site.id, serial, wrong),
        422,
        'SECURITY_CODE_INVALID',
      );
      assert.equal(await failuresOf(cloud, 'claim-serial', serial), LIMITS.maxFailures + 1);
      const notices = await owner.account.client.get('/api/notifications');
      assert.equal(
        notices.body.items.filter((n: { kind: string }) => n.kind === 'claim-failures').length,
        1,
      );
      assert.deepEqual(await ownersOf(cloud, serial), [owner.site.id]);

      clock.advance(15 * MINUTE);
      assertErrorBody(
        await claim(guesser.account.client, guesser.site.id, serial, wrong),
        422,
        'SECURITY_CODE_INVALID',
      );
    });

    it('gives an unowned device to exactly one of 10 accounts claiming it at once', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const claimants = await Promise.all(
        Array.from({ length: 10 }, (_, i) => installer(cloud, `127.0.1.${i + 1}`)),
      );

      const answers = await Promise.all(
        claimants.map(({ account, site }) =>
          claim(account.client, site.id, device!.serialNumber, device!.securityCode),
        ),
      );

      const winners = answers.flatMap((answer, i) => (answer.status === 201 ? [i] : []));
      assert.equal(winners.length, 1, answers.map((answer) => answer.status).join(','));
      answers.forEach((answer, i) => {
        if (i !== winners[0]) assertErrorBody(answer, 409, 'DEVICE_ALREADY_ADDED');
      });
      assert.deepEqual(await ownersOf(cloud, device!.serialNumber), [
        claimants[winners[0]!]!.site.id,
      ]);
    });
  });
}
