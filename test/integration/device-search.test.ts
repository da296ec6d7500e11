import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
  type Account,
  type Site,
} from '../helpers/factories.ts';
import { assertErrorBody, errorFields, type ApiClient } from '../helpers/http.ts';

interface Listed {
  serialNumber: string;
  name: string | null;
  site: { id: string; name: string };
}

/** Adds `count` devices to the site, each named and placed as given, with firmware and state. */
async function addDevices(
  cloud: TestCloud,
  account: Account,
  site: Site,
  devices: { name: string; location: string; firmware: string; online: boolean }[],
): Promise<string[]> {
  const minted = await mintDevices(cloud, devices.length);
  for (const [i, device] of minted.entries()) {
    assert.equal(
      (await claim(account.client, site.id, device.serialNumber, device.securityCode)).status,
      201,
    );
    const { name, location, firmware, online } = devices[i]!;
    const named = await account.client.patch(
      `/api/sites/${site.id}/devices/${device.serialNumber}`,
      { name, location },
    );
    assert.equal(named.status, 200, named.text);
    // What a linked device reports (firmware) and its link (online), set as the link would.
    await cloud.store.db
      .updateTable('devices')
      .set({ firmware, online: online ? 1 : 0 })
      .where('serial_number', '=', device.serialNumber)
      .execute();
  }
  return minted.map((d) => d.serialNumber);
}

/** Anna's company: two sites and five devices; Bob's company with look-alike devices. */
async function fleet(cloud: TestCloud) {
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const north = await createSite(anna.client, 'Vinohradská 12');
  const south = await createSite(anna.client, 'Korunní 3');
  const northSerials = await addDevices(cloud, anna, north, [
    { name: 'Main door', location: 'Main entrance', firmware: '2.45.0.7', online: true },
    { name: 'Garage', location: 'Courtyard', firmware: '2.45.0.7', online: false },
    { name: '100% Gate_1', location: 'Back yard', firmware: '2.44.1.2', online: true },
  ]);
  const southSerials = await addDevices(cloud, anna, south, [
    { name: 'Lobby', location: 'Main entrance', firmware: '2.46.0.1', online: false },
    { name: 'Side door', location: 'Alley', firmware: '2.46.0.1', online: true },
  ]);
  const bob = await registerAccount(cloud, { name: 'Bob' });
  const bobs = await createSite(bob.client, 'Vinohradská 12');
  const bobSerials = await addDevices(cloud, bob, bobs, [
    { name: 'Main door', location: 'Main entrance', firmware: '2.45.0.7', online: true },
  ]);
  return { anna, north, south, northSerials, southSerials, bob, bobs, bobSerials };
}

const serialsOf = async (client: ApiClient, query: string): Promise<string[]> => {
  const response = await client.get(`/api/devices${query}`);
  assert.equal(response.status, 200, response.text);
  return response.body.items.map((d: Listed) => d.serialNumber);
};

const sorted = (serials: string[]) => [...serials].sort();

for (const dialect of testDialects) {
  describe(`searching the company's devices (${dialect.name})`, () => {
    it('finds devices by serial, name, location, site name and firmware, in any case', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const {
        anna,
        north,
        northSerials: [door, garage, gate],
        southSerials: [lobby, side],
      } = await fleet(cloud);
      const all = sorted([door!, garage!, gate!, lobby!, side!]);
      const q = (text: string) => serialsOf(anna.client, `?query=${encodeURIComponent(text)}`);

      assert.deepEqual(await serialsOf(anna.client, ''), all, 'no query: every device');
      assert.deepEqual(await q(door!), [door]);
      assert.deepEqual(await q(door!.replaceAll('-', '')), [door], 'a serial without dashes');
      assert.deepEqual(await q(door!.slice(3, 10)), [door], 'part of a serial');
      assert.deepEqual(await q('GARAGE'), [garage]);
      assert.deepEqual(await q('main entrance'), sorted([door!, lobby!]));
      assert.deepEqual(await q('vinohradská'), sorted([door!, garage!, gate!]));
      assert.deepEqual(await q('2.46'), sorted([lobby!, side!]));
      assert.deepEqual(await q('  lobby  '), [lobby], 'surrounding spaces do not count');
      assert.deepEqual(await q('nothing like it'), []);

      const listed = (await anna.client.get(`/api/devices?query=garage`)).body.items[0];
      assert.deepEqual(listed.site, { id: north.id, name: north.name });
      assert.equal(listed.name, 'Garage');
      assert.equal(listed.location, 'Courtyard');
      assert.equal(listed.firmware, '2.45.0.7');
      assert.equal(listed.online, false);
    });

    it('takes LIKE wildcards in the query literally', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const {
        anna,
        northSerials: [, , gate],
      } = await fleet(cloud);
      const q = (text: string) => serialsOf(anna.client, `?query=${encodeURIComponent(text)}`);
      assert.deepEqual(await q('%'), [gate]);
      assert.deepEqual(await q('_'), [gate]);
      assert.deepEqual(await q('0% g'), [gate]);
      assert.deepEqual(await q('\\'), []);
    });

    it('narrows to a site and to online or offline devices', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const {
        anna,
        south,
        northSerials: [door, garage, gate],
        southSerials: [lobby, side],
      } = await fleet(cloud);
      assert.deepEqual(
        await serialsOf(anna.client, `?siteId=${south.id}`),
        sorted([lobby!, side!]),
      );
      assert.deepEqual(await serialsOf(anna.client, '?online=true'), sorted([door!, gate!, side!]));
      assert.deepEqual(await serialsOf(anna.client, '?online=false'), sorted([garage!, lobby!]));
      assert.deepEqual(
        await serialsOf(anna.client, `?online=false&siteId=${south.id}&query=main`),
        [lobby],
      );
      assertErrorBody(await anna.client.get('/api/devices?online=yes'), 400, 'VALIDATION_FAILED');
    });

    it('pages by serial number: every device exactly once, in order', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, northSerials, southSerials } = await fleet(cloud);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await anna.client.get(`/api/devices?limit=2${query}`);
        assert.equal(page.status, 200, page.text);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((d: Listed) => d.serialNumber));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, sorted([...northSerials, ...southSerials]));
    });

    it("never shows another company's devices, nor a site a member was not granted", async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, north, south, southSerials, bob, bobs, bobSerials } = await fleet(cloud);
      assert.deepEqual(await serialsOf(bob.client, ''), bobSerials);
      assert.deepEqual(await serialsOf(bob.client, '?query=main'), bobSerials);
      const annas = await serialsOf(anna.client, '?query=main door');
      assert.equal(annas.length, 1);
      assert.ok(!annas.includes(bobSerials[0]!));

      assertErrorBody(
        await anna.client.get(`/api/devices?siteId=${bobs.id}`),
        404,
        'SITE_NOT_FOUND',
      );
      assertErrorBody(
        await anna.client.get('/api/devices?siteId=00000000-0000-4000-8000-000000000000'),
        404,
        'SITE_NOT_FOUND',
      );

      const sam = await registerAccount(cloud, { name: 'Sam' });
      await joinCompany(cloud, sam, anna.company.id, 'member', [
        { siteId: south.id, role: 'viewer' },
      ]);
      sam.client.companyId = anna.company.id;
      assert.deepEqual(await serialsOf(sam.client, ''), sorted(southSerials));
      assert.deepEqual(await serialsOf(sam.client, '?query=vinohradská'), []);
      assertErrorBody(
        await sam.client.get(`/api/devices?siteId=${north.id}`),
        404,
        'SITE_NOT_FOUND',
      );
      // His own company (the first he joined) is searched when he names none.
      sam.client.companyId = undefined;
      assert.deepEqual(await serialsOf(sam.client, ''), []);
    });

    it('refuses a cursor it did not issue and an oversized limit, changing nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna } = await fleet(cloud);
      const before = await snapshotTables(cloud);
      for (const cursor of ['nonsense', Buffer.from('["a","b"]').toString('base64url'), '%00']) {
        const answer = await anna.client.get(`/api/devices?cursor=${cursor}`);
        assertErrorBody(answer, 400, 'VALIDATION_FAILED');
        assert.deepEqual(errorFields(answer), ['cursor']);
      }
      assertErrorBody(await anna.client.get('/api/devices?limit=201'), 400, 'VALIDATION_FAILED');
      assertErrorBody(
        await anna.client.get(`/api/devices?query=${'x'.repeat(101)}`),
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(await snapshotTables(cloud), before);
    });
  });
}
