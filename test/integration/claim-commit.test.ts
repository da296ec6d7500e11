import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { auditRow } from '../../src/cloud/services/audit.service.ts';
import {
  claimsRepo,
  type ClaimWrites,
  type DecidedClaim,
} from '../../src/cloud/store/repos/claims.repo.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { postgresTestDialect } from '../helpers/databases.ts';
import { createSite, mintDevices, registerAccount } from '../helpers/factories.ts';

const NOW = '2026-11-24T08:00:00.000Z';
const LIMIT = { since: '2026-11-24T07:45:00.000Z', maxFailures: 2 };

/** An account with a site, and `devices` minted devices. */
async function installer(cloud: TestCloud, devices = 2) {
  const account = await registerAccount(cloud);
  const site = await createSite(account.client);
  const minted = await mintDevices(cloud, devices);
  return { account, site, serials: minted.map((device) => device.serialNumber) };
}

/** What adding `serial` to the site writes: the ownership and the "added" audit row. */
function addition(
  who: Awaited<ReturnType<typeof installer>>,
  serial: string,
): { writes: ClaimWrites; auditId: string } {
  const audit = auditRow(
    {
      companyId: who.site.companyId,
      siteId: who.site.id,
      actor: { userId: who.account.user.id, email: who.account.email, ip: '192.0.2.1' },
      action: 'device.added',
      outcome: 'success',
      serialNumber: serial,
    },
    NOW,
  );
  return {
    auditId: audit.id,
    writes: {
      ownership: {
        row: {
          serial_number: serial,
          site_id: who.site.id,
          claimed_generation: 0,
          claimed_at: NOW,
          claimed_by: who.account.user.id,
        },
        replaces: false,
      },
      raiseGeneration: null,
      audit: [audit],
      notifications: [],
      webhooks: [],
      recordsFailure: false,
      failureNotice: null,
    },
  };
}

async function decided(
  cloud: TestCloud,
  who: Awaited<ReturnType<typeof installer>>,
  serial: string,
  writes: ClaimWrites,
): Promise<DecidedClaim> {
  const [read] = await claimsRepo(cloud.store.db, cloud.store.dialect).readForClaims([
    { siteId: who.site.id, userId: who.account.user.id, serial },
  ]);
  return {
    expected: { serialNumber: serial, device: read!.device },
    scopes: [{ scope: 'claim-account', key: who.account.user.id }],
    failureScopes: [
      { scope: 'claim-account', key: who.account.user.id },
      { scope: 'claim-serial', key: serial },
    ],
    limit: LIMIT,
    writes,
    now: NOW,
  };
}

const ownerOf = async (cloud: TestCloud, serial: string) =>
  (
    await cloud.store.db
      .selectFrom('ownerships')
      .select('site_id')
      .where('serial_number', '=', serial)
      .executeTakeFirst()
  )?.site_id;

const auditIds = async (cloud: TestCloud, ids: string[]) =>
  (await cloud.store.db.selectFrom('audit_events').select('id').where('id', 'in', ids).execute())
    .map((row) => row.id)
    .sort();

describe('claims read and committed together (postgres)', () => {
  it('reads each claim of a batch in order, and nothing of a site the person cannot reach', async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect);
    const ours = await installer(cloud);
    const theirs = await installer(cloud);

    const read = await claimsRepo(cloud.store.db, cloud.store.dialect).readForClaims([
      { siteId: ours.site.id, userId: ours.account.user.id, serial: ours.serials[1]! },
      { siteId: theirs.site.id, userId: ours.account.user.id, serial: ours.serials[0]! },
      { siteId: ours.site.id, userId: ours.account.user.id, serial: '00-0000-0000' },
    ]);

    assert.equal(read.length, 3);
    assert.equal(read[0]!.site.id, ours.site.id);
    assert.equal(read[0]!.device!.serial_number, ours.serials[1]);
    assert.equal(read[0]!.device!.owner, null);
    assert.equal(read[1], undefined, "another company's site is not read");
    assert.deepEqual(read[2], {
      site: { id: ours.site.id, company_id: ours.site.companyId, name: ours.site.name },
      device: undefined,
      // Issue 20: neither company concerned has a webhook endpoint, so none is read.
      hasWebhooks: false,
    });
  });

  it('commits claims of different devices together, each with its rows', async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect);
    const who = await installer(cloud);
    const first = addition(who, who.serials[0]!);
    const second = addition(who, who.serials[1]!);

    const statuses = await claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided([
      await decided(cloud, who, who.serials[0]!, first.writes),
      await decided(cloud, who, who.serials[1]!, second.writes),
    ]);

    assert.deepEqual(statuses, ['committed', 'committed']);
    assert.equal(await ownerOf(cloud, who.serials[0]!), who.site.id);
    assert.equal(await ownerOf(cloud, who.serials[1]!), who.site.id);
    assert.deepEqual(
      await auditIds(cloud, [first.auditId, second.auditId]),
      [first.auditId, second.auditId].sort(),
    );
  });

  it('writes nothing of a claim whose device changed after it was read', async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect);
    const ours = await installer(cloud);
    const theirs = await installer(cloud);
    const serial = ours.serials[0]!;
    const ourClaim = addition(ours, serial);
    const theirClaim = addition(theirs, serial);
    // Both decided on the device unowned; in one batch the second sees what the first wrote.
    const statuses = await claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided([
      await decided(cloud, theirs, serial, theirClaim.writes),
      await decided(cloud, ours, serial, ourClaim.writes),
    ]);

    assert.deepEqual(statuses, ['committed', 'stale']);
    assert.equal(await ownerOf(cloud, serial), theirs.site.id);
    assert.deepEqual(await auditIds(cloud, [ourClaim.auditId, theirClaim.auditId]), [
      theirClaim.auditId,
    ]);
  });

  it('writes nothing of a claim one of whose rate-limit scopes is full', async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect);
    const who = await installer(cloud);
    const serial = who.serials[0]!;
    const guess = addition(who, serial);
    const claim = await decided(cloud, who, serial, { ...guess.writes, recordsFailure: true });
    await cloud.store.db
      .insertInto('attempt_failures')
      .values(
        [1, 2].map(() => ({
          scope: 'claim-account',
          scope_key: who.account.user.id,
          created_at: '2026-11-24T07:59:00.000Z',
        })),
      )
      .execute();
    const failures = async () =>
      (await cloud.store.db.selectFrom('attempt_failures').select('id').execute()).length;

    const statuses = await claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided([claim]);

    assert.deepEqual(statuses, ['limited']);
    assert.equal(await ownerOf(cloud, serial), undefined);
    assert.deepEqual(await auditIds(cloud, [guess.auditId]), []);
    assert.equal(await failures(), 2);
  });

  it('counts a failed guess under each of its scopes, and the next guess sees it', async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect);
    const who = await installer(cloud);
    const refusal = (serial: string): ClaimWrites => ({
      ownership: null,
      raiseGeneration: null,
      audit: [{ ...addition(who, serial).writes.audit[0]!, id: randomUUID(), outcome: 'refused' }],
      notifications: [],
      webhooks: [],
      recordsFailure: true,
      failureNotice: null,
    });
    const guesses = await Promise.all(
      [0, 1, 0].map((i) => decided(cloud, who, who.serials[i]!, refusal(who.serials[i]!))),
    );

    // Two failures fill the account's scope (maxFailures 2): the third guess is refused.
    const statuses = await claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided(guesses);

    assert.deepEqual(statuses, ['committed', 'committed', 'limited']);
    const rows = await cloud.store.db
      .selectFrom('attempt_failures')
      .select(['scope', 'scope_key'])
      .orderBy('id')
      .execute();
    assert.deepEqual(rows, [
      { scope: 'claim-account', scope_key: who.account.user.id },
      { scope: 'claim-serial', scope_key: who.serials[0] },
      { scope: 'claim-account', scope_key: who.account.user.id },
      { scope: 'claim-serial', scope_key: who.serials[1] },
    ]);
  });

  it("sends the owner's notice once, when the serial's failures reach the limit", async (t) => {
    const cloud = await startTestCloud(t, postgresTestDialect);
    const owner = await installer(cloud, 1);
    const serial = owner.serials[0]!;
    assert.deepEqual(
      await claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided([
        await decided(cloud, owner, serial, addition(owner, serial).writes),
      ]),
      ['committed'],
    );
    const stranger = await installer(cloud, 1);
    const guess = (): ClaimWrites => ({
      ownership: null,
      raiseGeneration: null,
      audit: [],
      notifications: [],
      webhooks: [],
      recordsFailure: true,
      failureNotice: {
        siteId: owner.site.id,
        rows: [
          {
            id: randomUUID(),
            user_id: owner.account.user.id,
            kind: 'claim-failures',
            title: 'wrong codes',
            body: 'wrong codes',
            site_id: owner.site.id,
            company_id: null,
            serial_number: serial,
            created_at: NOW,
            read_at: null,
          },
        ],
      },
    });
    const notices = async () =>
      (
        await cloud.store.db
          .selectFrom('notifications')
          .select('id')
          .where('kind', '=', 'claim-failures')
          .execute()
      ).length;
    const commitGuess = async () =>
      claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided([
        await decided(cloud, stranger, serial, guess()),
      ]);

    // maxFailures 2: the first failure tells nobody, the second tells the owner, the third not again.
    assert.deepEqual(await commitGuess(), ['committed']);
    assert.equal(await notices(), 0);
    assert.deepEqual(await commitGuess(), ['committed']);
    assert.equal(await notices(), 1);
    // The stranger's own account is now full, so its next guess is limited and writes nothing;
    // another stranger's guess is not refused because of the serial's failures.
    assert.deepEqual(await commitGuess(), ['limited']);
    const other = await installer(cloud, 1);
    assert.deepEqual(
      await claimsRepo(cloud.store.db, cloud.store.dialect).commitDecided([
        await decided(cloud, other, serial, guess()),
      ]),
      ['committed'],
    );
    assert.equal(await notices(), 1);
  });
});
