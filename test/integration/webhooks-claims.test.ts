import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimTicket } from '../../src/cloud/store/claim-committer.ts';
import type { ClaimWrites } from '../../src/cloud/store/repos/claims.repo.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, codeFor, mintDevices } from '../helpers/factories.ts';
import { party, type Party } from '../helpers/transfers.ts';
import { startReceiver } from '../helpers/webhooks.ts';

// Issue 20: a claim's webhook deliveries are written with its ownership, in its commit
// (docs/decisions/20-webhooks.md, "Enqueue once"). The receiver stays down throughout, so what
// is counted is what the claim committed, not what the dispatcher managed to send.
const FAST = { retryScheduleMs: [30, 30, 30, 30, 30, 30], timeoutMs: 2000 };
const KINDS = ['device.added', 'device.moved-away'];

const NOTHING: ClaimWrites = {
  ownership: null,
  raiseGeneration: null,
  audit: [],
  notifications: [],
  webhooks: [],
  recordsFailure: false,
  failureNotice: null,
};

function ticketFor(who: Party, serial: string, now = new Date()): ClaimTicket {
  const account = { scope: 'claim-account', key: who.user.id };
  return {
    siteId: who.site.id,
    userId: who.user.id,
    serialNumber: serial,
    scopes: [account],
    failureScopes: [account],
    limit: {
      since: new Date(now.getTime() - 60_000).toISOString(),
      maxFailures: 3,
      windowMs: 60_000,
    },
    now,
  };
}

async function hookFor(cloud: TestCloud, who: Party, url: string) {
  const made = await who.client.post('/api/webhooks', { url, events: KINDS });
  assert.equal(made.status, 201, made.text);
  return made.body as { id: string };
}

/** The delivery rows queued for a company, oldest first, with their parsed bodies. */
async function deliveriesOf(cloud: TestCloud, companyId: string) {
  const rows = await cloud.store.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({
    ...row,
    body: JSON.parse(row.payload) as {
      type: string;
      createdAt: string;
      companyId: string;
      data: Record<string, unknown>;
    },
  }));
}

async function twoCompaniesWithHooks(t: Parameters<typeof startTestCloud>[0], dialect: never) {
  const cloud = await startTestCloud(t, dialect, { webhooksAllowInsecure: true, webhooks: FAST });
  const receiver = await startReceiver(t);
  receiver.state.status = 503;
  const anna = await party(cloud, 'Anna');
  const bert = await party(cloud, 'Bert');
  await hookFor(cloud, anna, receiver.url);
  await hookFor(cloud, bert, receiver.url);
  return { cloud, anna, bert };
}

for (const dialect of testDialects) {
  describe(`webhooks of claims (${dialect.name})`, () => {
    it('writes no delivery for a refused claim, and every delivery of a committed one before its answer', async (t) => {
      const { cloud, anna, bert } = await twoCompaniesWithHooks(t, dialect as never);
      const [device, other] = await mintDevices(cloud, 2);
      const serial = device!.serialNumber;

      // Another device's code: refused, and nothing queued for anyone.
      const wrong = await claim(anna.client, anna.site.id, serial, codeFor(other!, 0));
      assert.equal(wrong.status, 422, wrong.text);
      assert.deepEqual(await deliveriesOf(cloud, anna.company.id), []);

      // Added: the row exists as soon as the 201 has arrived, with the body the claim had.
      const added = await claim(anna.client, anna.site.id, serial, codeFor(device!, 0));
      assert.equal(added.status, 201, added.text);
      const [annas] = await deliveriesOf(cloud, anna.company.id);
      assert.equal(annas?.event_type, 'device.added');
      assert.equal(annas.state, 'pending');
      assert.equal(annas.body.companyId, anna.company.id);
      assert.equal(annas.body.createdAt, added.body.device.addedAt);
      assert.deepEqual(annas.body.data, {
        serialNumber: serial,
        siteId: anna.site.id,
        siteName: anna.site.name,
        outcome: 'added',
        cause: 'claim',
      });

      // Anna's code again from Bert: refused, nothing more queued on either side.
      const taken = await claim(bert.client, bert.site.id, serial, codeFor(device!, 0));
      assert.equal(taken.status, 409, taken.text);
      assert.equal((await deliveriesOf(cloud, anna.company.id)).length, 1);
      assert.deepEqual(await deliveriesOf(cloud, bert.company.id), []);

      // Moved with a newer code: Bert's device.added and Anna's device.moved-away, at once.
      const moved = await claim(bert.client, bert.site.id, serial, codeFor(device!, 1));
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.body.outcome, 'moved');
      const [bertsAdded, ...bertsMore] = await deliveriesOf(cloud, bert.company.id);
      assert.deepEqual(bertsMore, []);
      assert.equal(bertsAdded?.event_type, 'device.added');
      assert.equal(bertsAdded.body.createdAt, moved.body.device.addedAt);
      assert.deepEqual(bertsAdded.body.data, {
        serialNumber: serial,
        siteId: bert.site.id,
        siteName: bert.site.name,
        outcome: 'moved',
        cause: 'claim',
      });
      const annasNow = await deliveriesOf(cloud, anna.company.id);
      assert.deepEqual(
        annasNow.map((row) => row.event_type),
        ['device.added', 'device.moved-away'],
      );
      assert.equal(annasNow[1]!.body.createdAt, moved.body.device.addedAt);
      assert.deepEqual(annasNow[1]!.body.data, {
        serialNumber: serial,
        reason: 'claimed with a new security code',
      });
      // Nothing of Bert's site reaches Anna (tenant isolation).
      assert.ok(!annasNow[1]!.payload.includes(bert.site.id));
    });

    it('of simultaneous claims on one device, writes the deliveries of the one committed only', async (t) => {
      const { cloud, anna, bert } = await twoCompaniesWithHooks(t, dialect as never);
      const devices = await mintDevices(cloud, 8);
      for (const device of devices) {
        const code = codeFor(device, 0);
        // Read together, decided alike: on PostgreSQL the second goes stale and is refused.
        const answers = await Promise.all([
          claim(anna.client, anna.site.id, device.serialNumber, code),
          claim(bert.client, bert.site.id, device.serialNumber, code),
        ]);
        assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409]);
      }
      const queued = [
        ...(await deliveriesOf(cloud, anna.company.id)),
        ...(await deliveriesOf(cloud, bert.company.id)),
      ];
      assert.equal(queued.length, devices.length);
      for (const device of devices) {
        const [row, ...more] = queued.filter(
          (r) => r.body.data.serialNumber === device.serialNumber,
        );
        assert.deepEqual(more, []);
        assert.equal(row?.event_type, 'device.added');
        const owner = await cloud.store.db
          .selectFrom('ownerships')
          .innerJoin('sites', 'sites.id', 'ownerships.site_id')
          .select('sites.company_id')
          .where('ownerships.serial_number', '=', device.serialNumber)
          .executeTakeFirstOrThrow();
        assert.equal(row.company_id, owner.company_id);
      }
    });

    it('writes the deliveries of a bulk add row by row: one per row added, none for a refused row', async (t) => {
      const { cloud, anna } = await twoCompaniesWithHooks(t, dialect as never);
      const [a, b, c] = await mintDevices(cloud, 3);
      const bulk = await anna.client.post<{
        results: { serialNumber: string; outcome?: string }[];
      }>(`/api/sites/${anna.site.id}/devices/bulk`, {
        rows: [
          { serialNumber: a!.serialNumber, securityCode: a!.securityCode },
          { serialNumber: b!.serialNumber, securityCode: c!.securityCode },
          { serialNumber: c!.serialNumber, securityCode: c!.securityCode },
        ],
      });
      assert.equal(bulk.status, 200, bulk.text);
      assert.deepEqual(
        bulk.body.results.map((row) => row.outcome ?? 'refused'),
        ['added', 'refused', 'added'],
      );
      const queued = await deliveriesOf(cloud, anna.company.id);
      assert.deepEqual(
        // The rows of a bulk add may commit in any order (bulk-claim.service.ts).
        queued.map((row) => `${row.event_type} ${String(row.body.data.serialNumber)}`).sort(),
        [`device.added ${a!.serialNumber}`, `device.added ${c!.serialNumber}`].sort(),
      );
    });

    it('reads no endpoint while neither company concerned has one: no statement more per claim', async (t) => {
      const cloud = await startTestCloud(t, dialect, {
        webhooksAllowInsecure: true,
        webhooks: FAST,
      });
      const receiver = await startReceiver(t);
      const anna = await party(cloud, 'Anna');
      const bert = await party(cloud, 'Bert');
      const [device] = await mintDevices(cloud, 1);
      // Anna's planner asks for her company's endpoints, as a claim's does, and writes nothing:
      // what the question cost is counted where nothing else runs (the committer's port).
      const ask = async () => {
        // What creating an endpoint woke has settled first.
        await cloud.webhookDispatcher.idle();
        const ticket = ticketFor(anna, device!.serialNumber);
        const read = await cloud.store.claims.read(ticket);
        let spent = -1;
        const found = await cloud.store.claims.commit(ticket, read!, async (view) => {
          const before = cloud.store.statementCount();
          const endpoints = await view.webhookEndpointsOf([view.site.company_id]);
          spent = cloud.store.statementCount() - before;
          return { result: endpoints.map((endpoint) => endpoint.id), writes: NOTHING };
        });
        return { found, spent };
      };
      assert.deepEqual(await ask(), { found: [], spent: 0 });
      // Another company's endpoint changes nothing for Anna's claims.
      await hookFor(cloud, bert, receiver.url);
      assert.deepEqual(await ask(), { found: [], spent: 0 });
      // With her own, the claim reads the endpoints: one statement.
      const hers = await hookFor(cloud, anna, receiver.url);
      assert.deepEqual(await ask(), { found: [hers.id], spent: 1 });
    });
  });
}
