import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertApartment, insertResident } from '../helpers/buildings.ts';
import { testDialects } from '../helpers/databases.ts';
import { createSite, joinCompany, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, errorFields } from '../helpers/http.ts';
import { requestEventStream } from '../helpers/event-stream.ts';
import { waitFor } from '../helpers/wait.ts';
import { accessEventsRepo } from '../../src/cloud/store/repos/access-events.repo.ts';
import { startDoorSite } from './door.helpers.ts';

const PIN = '2468';
const CARD = '0A1B2C3D';
const HOUR = 3600;

/**
 * The door site with resident Anna Novák of apartment 12 (PIN, card, switches 1 and 2) and an
 * expired resident, written on the device as the provisioning writes cloud-managed entries.
 */
async function startBuilding(
  t: Parameters<typeof startDoorSite>[0],
  dialect: (typeof testDialects)[number],
) {
  const door = await startDoorSite(t, dialect);
  const { cloud, site, serial, emulator } = door;
  const apartment = await insertApartment(cloud, site.id, '12', '3');
  const anna = await insertResident(cloud, site.id, {
    apartmentId: apartment.id,
    name: 'Anna Novák',
    pins: [PIN],
    cards: [CARD],
    access: [
      { serialNumber: serial, switch: 1 },
      { serialNumber: serial, switch: 2 },
    ],
  });
  const past = new Date(Date.now() - 48 * HOUR * 1000);
  const karel = await insertResident(cloud, site.id, {
    apartmentId: apartment.id,
    name: 'Karel Dvořák',
    pins: ['1357'],
    validTo: past.toISOString(),
    access: [{ serialNumber: serial, switch: 1 }],
  });
  const now = Math.floor(Date.now() / 1000);
  await emulator.running.device.directory.create(
    [
      {
        owner: 'My2N',
        uuid: anna.id.toUpperCase(),
        name: 'Anna Novák',
        treepath: '/12',
        access: { pin: PIN, code: ['', PIN, '', ''], card: [CARD] },
      },
      {
        owner: 'My2N',
        uuid: karel.id.toUpperCase(),
        name: 'Karel Dvořák',
        treepath: '/12',
        access: { pin: '1357', validFrom: '0', validTo: String(now - 48 * HOUR) },
      },
    ],
    false,
  );
  const log = (query = '') => door.owner.client.get(`/api/sites/${site.id}/access-log${query}`);
  const waitForLog = (count: number, query = '') =>
    waitFor(`${count} access events${query}`, async () => {
      const page = await log(query);
      return page.body.items?.length === count ? page.body.items : null;
    });
  return { ...door, anna, karel, apartment, log, waitForLog };
}

for (const dialect of testDialects) {
  describe(`the door, back to the cloud (${dialect.name})`, () => {
    it("a resident's PIN opens the switches their rights grant, and the access log names them", async (t) => {
      const { emulator, anna, serial, waitForLog } = await startBuilding(t, dialect);
      const typed = emulator.running.device.frontPanel.enterCode(PIN);
      // One code that is the PIN and the switch-2 code opens both (the credential placement).
      assert.deepEqual(typed, { valid: true, user: 'Anna Novák', switches: [1, 2] });
      assert.deepEqual(
        emulator.running.device.switches
          .status()
          .filter((s) => s.active)
          .map((s) => s.switch),
        [1, 2],
      );
      const items = await waitForLog(2);
      for (const item of items) {
        assert.equal(item.granted, true);
        assert.equal(item.credential, 'pin');
        assert.equal(item.serialNumber, serial);
        assert.equal(item.residentId, anna.id);
        assert.equal(item.residentName, 'Anna Novák');
        assert.equal(item.apartmentName, '12');
        assert.equal(item.accessPoint, 1);
      }
      assert.deepEqual(items.map((i: { switch: number }) => i.switch).sort(), [1, 2]);
    });

    it('a wrong PIN and an expired one are refused and logged as refused; a card opens', async (t) => {
      const { emulator, karel, anna, waitForLog } = await startBuilding(t, dialect);
      const panel = emulator.running.device.frontPanel;
      assert.equal(panel.enterCode('99999').valid, false);
      assert.equal(panel.enterCode('1357').valid, false);
      assert.deepEqual(panel.presentCard(CARD.toLowerCase()), {
        valid: true,
        user: 'Anna Novák',
        switches: [1],
      });
      const items = await waitForLog(3);
      // Events of one millisecond have no order among themselves: find each by what it is.
      type Item = Record<string, unknown>;
      const card = items.find((i: Item) => i.credential === 'card');
      const expired = items.find((i: Item) => i.reason === 'outside-validity');
      const wrong = items.find((i: Item) => i.reason === 'unknown');
      assert.equal(card.credential, 'card');
      assert.equal(card.granted, true);
      assert.equal(card.residentId, anna.id);
      assert.equal(card.switch, 1);
      assert.equal(expired.granted, false);
      assert.equal(expired.reason, 'outside-validity');
      assert.equal(expired.residentId, karel.id);
      assert.equal(expired.residentName, 'Karel Dvořák');
      assert.equal(wrong.granted, false);
      assert.equal(wrong.reason, 'unknown');
      assert.equal(wrong.credential, 'pin');
      assert.equal(wrong.residentId, undefined);
      assert.equal(wrong.residentName, undefined);
    });

    it('tells the live portal of a door event, once the log has it', async (t) => {
      const { cloud, owner, site, serial, emulator, log } = await startBuilding(t, dialect);
      const stream = await requestEventStream(cloud.url, owner.client);
      t.after(() => stream.close());
      assert.equal(stream.response.status, 200);
      const seen = () => [...stream.text.matchAll(/^event: device\ndata: (.*)$/gm)].length;
      const before = seen();
      emulator.running.device.frontPanel.presentCard(CARD);
      // What the portal does on each event: refetch the log; one refetch must find the event.
      let found = false;
      const inFlight = new Set<Promise<unknown>>();
      const refetch = () => {
        const request = log().then((page) => (found ||= page.body.items.length === 1));
        inFlight.add(request);
        // A failed refetch leaves `found` false, which the wait below reports.
        const done = () => inFlight.delete(request);
        request.then(done, done);
      };
      cloud.events.on('device-updated', refetch);
      // Off before the cloud closes: a refetch then would ask a server that is gone.
      await waitFor('a live update after which the log holds the event', () => found).finally(
        async () => {
          cloud.events.off('device-updated', refetch);
          await Promise.allSettled(inFlight);
        },
      );
      await waitFor('the device event on the stream', () => seen() > before);
      const last = [...stream.text.matchAll(/^event: device\ndata: (.*)$/gm)].at(-1)!;
      assert.deepEqual(JSON.parse(last[1]!), { serialNumber: serial, siteId: site.id });
    });

    it('filters the log, pages it, and refuses a bad filter with a field error', async (t) => {
      const { emulator, anna, serial, log, waitForLog } = await startBuilding(t, dialect);
      const panel = emulator.running.device.frontPanel;
      panel.enterCode('99999');
      panel.presentCard(CARD);
      panel.enterCode('1357');
      await waitForLog(3);
      assert.equal((await waitForLog(2, '?granted=false')).length, 2);
      const cards = await waitForLog(1, '?credential=card');
      assert.equal(cards[0].residentId, anna.id);
      assert.equal((await waitForLog(1, `?residentId=${anna.id}`))[0].credential, 'card');
      assert.equal((await waitForLog(3, `?serialNumber=${serial}`)).length, 3);
      assert.equal((await log('?serialNumber=11-2222-3333')).body.items.length, 0);
      const later = new Date(Date.now() + 60_000).toISOString();
      assert.equal((await log(`?from=${later}`)).body.items.length, 0);
      assert.equal((await log(`?to=${later}`)).body.items.length, 3);

      const first = await log('?limit=2');
      assert.equal(first.body.items.length, 2);
      assert.ok(first.body.nextCursor);
      const second = await log(`?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      assert.equal(second.body.items.length, 1);
      assert.equal(second.body.nextCursor, null);
      const ids = [...first.body.items, ...second.body.items].map((i: { id: string }) => i.id);
      assert.equal(new Set(ids).size, 3);

      for (const [query, field] of [
        ['?granted=maybe', 'granted'],
        ['?credential=face', 'credential'],
        ['?from=yesterday', 'from'],
        ['?limit=101', 'limit'],
        ['?serialNumber=12', 'serialNumber'],
        ['?cursor=not-a-cursor', 'cursor'],
      ] as const) {
        const refused = await log(query);
        assertErrorBody(refused, 400, 'VALIDATION_FAILED');
        assert.ok(
          errorFields(refused).some((f) => f.includes(field)),
          `${query}: ${refused.text}`,
        );
      }
    });

    it('another tenant sees no log (404); a viewer reads the log but cannot act (403)', async (t) => {
      const { cloud, owner, site, serial, emulator, waitForLog } = await startBuilding(t, dialect);
      emulator.running.device.frontPanel.enterCode(PIN);
      await waitForLog(2);
      const stranger = await registerAccount(cloud, { name: 'Stan Stranger' });
      assertErrorBody(
        await stranger.client.get(`/api/sites/${site.id}/access-log`),
        404,
        'SITE_NOT_FOUND',
      );
      const viewer = await registerAccount(cloud, { name: 'Vera Viewer' });
      await joinCompany(cloud, viewer, owner.company.id, 'member', [
        { siteId: site.id, role: 'viewer' },
      ]);
      const read = await viewer.client.get(`/api/sites/${site.id}/access-log`);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.items.length, 2);
      const act = await viewer.client.post(`/api/sites/${site.id}/devices/${serial}/actions`, {
        action: 'open-door',
      });
      assertErrorBody(act, 403, 'INSUFFICIENT_ROLE');
      const remote = await owner.client.get(`/api/sites/${site.id}/access-log?credential=remote`);
      assert.equal(remote.body.items.length, 0);
    });

    it("keeps only what belongs to the site: no owner, a future time, another site's resident", async (t) => {
      const { cloud, owner, serial, anna, log } = await startBuilding(t, dialect);
      const other = await createSite(owner.client, 'Other');
      const apartment = await insertApartment(cloud, other.id, '1');
      const elsewhere = await insertResident(cloud, other.id, {
        apartmentId: apartment.id,
        name: 'Eva Jiná',
      });
      const [unowned] = await mintDevices(cloud, 1);
      const event = (uuid: string, at = new Date().toISOString()) => ({
        type: 'access' as const,
        at,
        granted: true,
        credential: 'pin' as const,
        accessPoint: 1,
        switch: 1,
        uuid,
        name: 'Name from the device',
      });
      await cloud.services.deviceLink.event(unowned!.serialNumber, event(anna.id.toUpperCase()));
      await cloud.services.deviceLink.event(
        serial,
        event(anna.id.toUpperCase(), new Date(Date.now() + 48 * HOUR * 1000).toISOString()),
      );
      await cloud.services.deviceLink.event(serial, event(elsewhere.id.toUpperCase()));
      const items = (await log()).body.items;
      assert.equal(items.length, 1, JSON.stringify(items));
      assert.equal(items[0].residentId, undefined);
      assert.equal(items[0].residentName, 'Name from the device');
      assert.equal(items[0].apartmentName, undefined);
      const rows = await cloud.store.db.selectFrom('access_events').selectAll().execute();
      assert.equal(rows.length, 1);
    });
    it('retention drops what is too old and all but the newest, in that site only', async (t) => {
      const { cloud, site, serial, owner } = await startDoorSite(t, dialect);
      const other = await createSite(owner.client, 'Other');
      const row = (siteId: string, day: number) => ({
        id: `${siteId}-${day}`,
        site_id: siteId,
        serial_number: serial,
        at: new Date(Date.UTC(2026, 0, day)).toISOString(),
        switch: 1,
        access_point: 1,
        granted: 1,
        credential: 'pin',
        reason: null,
        resident_id: null,
        resident_name: null,
        apartment_name: null,
        received_at: new Date().toISOString(),
      });
      const days = [1, 2, 3, 4, 5, 6];
      const repo = accessEventsRepo(cloud.store.db);
      await repo.insertMany([
        ...days.map((d) => row(site.id, d)),
        ...days.map((d) => row(other.id, d)),
      ]);
      // Older than 2 January goes; of the rest, the newest 3 stay.
      await repo.prune(site.id, new Date(Date.UTC(2026, 0, 2)).toISOString(), 3);
      const left = async (siteId: string) =>
        (
          await cloud.store.db
            .selectFrom('access_events')
            .select('id')
            .where('site_id', '=', siteId)
            .orderBy('at')
            .execute()
        ).map((r) => r.id);
      assert.deepEqual(
        await left(site.id),
        [4, 5, 6].map((d) => `${site.id}-${d}`),
      );
      assert.equal((await left(other.id)).length, 6);
    });
  });
}
