import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
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
} from '../helpers/factories.ts';
import { assertErrorBody, errorFields, type ApiClient } from '../helpers/http.ts';

/** A company with a site holding two devices, and an apartment in it. */
async function building(cloud: TestCloud) {
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const created = await anna.client.post('/api/sites', {
    name: 'Vinohradská 12',
    type: 'apartment-building',
  });
  assert.equal(created.status, 201, created.text);
  const site = created.body;
  const devices = await mintDevices(cloud, 2);
  for (const device of devices) {
    assert.equal(
      (await claim(anna.client, site.id, device.serialNumber, device.securityCode)).status,
      201,
    );
  }
  const apartment = await anna.client.post(`/api/sites/${site.id}/apartments`, {
    name: '12',
    floor: '3',
  });
  assert.equal(apartment.status, 201, apartment.text);
  return { anna, site, devices, apartment: apartment.body };
}

const resident = (apartmentId: string, extra: Record<string, unknown> = {}) => ({
  name: 'Anna Novák',
  apartmentId,
  pins: ['4821'],
  cards: [],
  enabled: true,
  access: [],
  ...extra,
});

/** The rows a residents write touches (people made for a test are elsewhere). */
async function buildingRows(cloud: TestCloud) {
  const all = await snapshotTables(cloud);
  return ['apartments', 'residents', 'resident_credentials', 'resident_access', 'audit_events'].map(
    (table) => all[table],
  );
}

/** A viewer of `siteId` in Anna's company. */
async function viewerOf(cloud: TestCloud, anna: Account, siteId: string): Promise<ApiClient> {
  const vera = await registerAccount(cloud, { name: 'Vera' });
  await joinCompany(cloud, vera, anna.company.id as string, 'member', [{ siteId, role: 'viewer' }]);
  vera.client.companyId = anna.company.id as string;
  return vera.client;
}

for (const dialect of testDialects) {
  describe(`apartments and residents (${dialect.name})`, () => {
    it('creates, lists, changes and deletes apartments and residents', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, devices, apartment } = await building(cloud);
      assert.equal(site.type, 'apartment-building');
      assert.deepEqual(apartment, { id: apartment.id, name: '12', floor: '3', residentCount: 0 });
      for (const name of ['2', '10', 'B1']) {
        const more = await anna.client.post(`/api/sites/${site.id}/apartments`, { name });
        assert.equal(more.status, 201, more.text);
      }
      const list = await anna.client.get(`/api/sites/${site.id}/apartments?limit=2`);
      assert.deepEqual(
        list.body.items.map((a: { name: string }) => a.name),
        ['2', '10'],
      );
      const rest = await anna.client.get(
        `/api/sites/${site.id}/apartments?cursor=${encodeURIComponent(list.body.nextCursor)}`,
      );
      assert.deepEqual(
        rest.body.items.map((a: { name: string }) => a.name),
        ['12', 'B1'],
      );

      const serial = devices[0]!.serialNumber;
      const created = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, {
          email: 'anna@example.com',
          cards: ['00a1b2c3'],
          validFrom: '2026-01-01',
          validTo: '2027-01-01T00:00:00Z',
          access: [
            { serialNumber: serial, switch: 1 },
            { serialNumber: serial.replace(/-/g, ''), switch: 2 },
          ],
          callTarget: 'sip:1001@pbx.example.com',
        }),
      );
      assert.equal(created.status, 201, created.text);
      const anna1 = created.body;
      assert.equal(anna1.apartmentName, '12');
      assert.deepEqual(anna1.pins, ['4821']);
      assert.deepEqual(anna1.cards, ['00A1B2C3']);
      assert.equal(anna1.validFrom, '2026-01-01T00:00:00.000Z');
      assert.deepEqual(anna1.access, [
        { serialNumber: serial, switch: 1 },
        { serialNumber: serial, switch: 2 },
      ]);
      assert.equal(anna1.credentialsHidden, false);

      const changed = await anna.client.patch(`/api/sites/${site.id}/residents/${anna1.id}`, {
        pins: ['99887766'],
        enabled: false,
      });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.body.pins, ['99887766']);
      assert.equal(changed.body.enabled, false);
      assert.equal(changed.body.email, 'anna@example.com', 'fields not given stay');
      assert.deepEqual(changed.body.cards, ['00A1B2C3']);
      assert.equal(changed.body.access.length, 2);

      // The old PIN is free again: another resident may take it.
      const ben = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, { name: 'Ben Novák' }),
      );
      assert.equal(ben.status, 201, ben.text);

      const found = await anna.client.get(`/api/sites/${site.id}/residents?q=BEN`);
      assert.deepEqual(
        found.body.items.map((r: { name: string }) => r.name),
        ['Ben Novák'],
      );
      const inApartment = await anna.client.get(
        `/api/sites/${site.id}/residents?apartmentId=${apartment.id}&limit=1`,
      );
      assert.equal(inApartment.body.items.length, 1);
      assert.ok(inApartment.body.nextCursor);
      const apartments = await anna.client.get(`/api/sites/${site.id}/apartments`);
      assert.equal(
        apartments.body.items.find((a: { id: string }) => a.id === apartment.id).residentCount,
        2,
      );

      assertErrorBody(
        await anna.client.delete(`/api/sites/${site.id}/apartments/${apartment.id}`),
        409,
        'APARTMENT_HAS_RESIDENTS',
      );
      const renamed = await anna.client.patch(`/api/sites/${site.id}/apartments/${apartment.id}`, {
        name: '12A',
      });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.floor, '3');
      assertErrorBody(
        await anna.client.patch(`/api/sites/${site.id}/apartments/${apartment.id}`, { name: '2' }),
        409,
        'APARTMENT_NAME_TAKEN',
      );
      assertErrorBody(
        await anna.client.post(`/api/sites/${site.id}/apartments`, { name: 'B1' }),
        409,
        'APARTMENT_NAME_TAKEN',
      );
      for (const id of [anna1.id, ben.body.id]) {
        assert.equal(
          (await anna.client.delete(`/api/sites/${site.id}/residents/${id}`)).status,
          204,
        );
      }
      assertErrorBody(
        await anna.client.delete(`/api/sites/${site.id}/residents/${anna1.id}`),
        404,
        'RESIDENT_NOT_FOUND',
      );
      assert.equal(
        (await anna.client.delete(`/api/sites/${site.id}/apartments/${apartment.id}`)).status,
        204,
      );
      const audit = await anna.client.get(`/api/sites/${site.id}/audit?limit=100`);
      const actions = audit.body.items.map((e: { action: string }) => e.action);
      for (const action of ['apartment.created', 'apartment.updated', 'apartment.deleted']) {
        assert.ok(actions.includes(action), action);
      }
      for (const action of ['resident.created', 'resident.updated', 'resident.deleted']) {
        assert.ok(actions.includes(action), action);
      }
      assert.doesNotMatch(audit.text, /4821|99887766|00A1B2C3/i, 'no PIN or card in the audit');
    });

    it('refuses bad residents field by field, and changes nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, apartment } = await building(cloud);
      const other = await createSite(anna.client, 'Other site');
      const [foreign] = await mintDevices(cloud, 1);
      assert.equal(
        (await claim(anna.client, other.id, foreign!.serialNumber, foreign!.securityCode)).status,
        201,
      );
      const first = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id),
      );
      assert.equal(first.status, 201, first.text);
      const before = await snapshotTables(cloud);
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'x'.repeat(65) }, 'name'],
        [{ name: 'x'.repeat(5000) }, 'name'],
        [{ name: '   ' }, 'name'],
        [{ pins: ['12a4'] }, 'pins[0]'],
        [{ pins: ['1234567890123456'] }, 'pins[0]'],
        [{ pins: ['1'] }, 'pins[0]'],
        [{ pins: ['1234', '5678'] }, 'pins'],
        [{ cards: ['ZZ'] }, 'cards[0]'],
        [{ cards: ['ab', 'AB'] }, 'cards[1]'],
        [{ cards: ['1', '2', '3'] }, 'cards'],
        [{ email: 'not-an-address' }, 'email'],
        [{ validFrom: 'tomorrow' }, 'validFrom'],
        [{ validFrom: '2027-01-01', validTo: '2026-01-01' }, 'validTo'],
        [
          { access: [{ serialNumber: foreign!.serialNumber, switch: 1 }] },
          'access[0].serialNumber',
        ],
        [{ access: [{ serialNumber: '99-9999-9999', switch: 1 }] }, 'access[0].serialNumber'],
        [{ access: [{ serialNumber: 'nonsense', switch: 1 }] }, 'access[0].serialNumber'],
        [{ callTarget: 's'.repeat(129) }, 'callTarget'],
        [{ apartmentId: 'not-an-apartment' }, 'apartmentId'],
      ];
      for (const [fields, field] of cases) {
        const refused = await anna.client.post(
          `/api/sites/${site.id}/residents`,
          resident(apartment.id, { pins: ['5555'], ...fields }),
        );
        assertErrorBody(refused, 400, 'VALIDATION_FAILED');
        assert.ok(errorFields(refused).includes(field), `${field}: ${refused.text}`);
        for (const message of refused.body.error.fields) assert.ok(message.message.length > 10);
      }
      const serial = (await anna.client.get(`/api/sites/${site.id}/devices`)).body.items[0]
        .serialNumber;
      const twice = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, {
          pins: ['5555'],
          access: [
            { serialNumber: serial, switch: 5 },
            { serialNumber: serial, switch: 2 },
            { serialNumber: serial, switch: 2 },
          ],
        }),
      );
      assertErrorBody(twice, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(twice), ['access[0].switch', 'access[2]']);
      // The same PIN, or the same card in other case, as another resident of the site.
      const taken = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, { name: 'Ben' }),
      );
      assertErrorBody(taken, 409, 'CREDENTIAL_TAKEN');
      assert.deepEqual(errorFields(taken), ['pins[0]']);
      assert.doesNotMatch(taken.text, /4821/);
      assert.deepEqual(await snapshotTables(cloud), before, 'nothing changed');

      // Another site of the company may use the same PIN: unique per site only.
      const otherApartment = await anna.client.post(`/api/sites/${other.id}/apartments`, {
        name: '1',
      });
      const elsewhere = await anna.client.post(
        `/api/sites/${other.id}/residents`,
        resident(otherApartment.body.id),
      );
      assert.equal(elsewhere.status, 201, elsewhere.text);
      // An apartment of another site is not this site's.
      const crossed = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(otherApartment.body.id, { pins: ['7777'] }),
      );
      assertErrorBody(crossed, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(crossed), ['apartmentId']);
      assertErrorBody(
        await anna.client.patch(`/api/sites/${site.id}/residents/${elsewhere.body.id}`, {
          name: 'X',
        }),
        404,
        'RESIDENT_NOT_FOUND',
      );
      assertErrorBody(
        await anna.client.patch(`/api/sites/${site.id}/apartments/${otherApartment.body.id}`, {
          name: 'X',
        }),
        404,
        'APARTMENT_NOT_FOUND',
      );
    });

    it('keeps other companies out and viewers read-only, without PINs or cards', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, apartment } = await building(cloud);
      const created = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, { cards: ['ABCDEF'] }),
      );
      const before = await buildingRows(cloud);
      const stranger = await registerAccount(cloud, { name: 'Stan' });
      for (const answer of [
        await stranger.client.get(`/api/sites/${site.id}/residents`),
        await stranger.client.get(`/api/sites/${site.id}/apartments`),
        await stranger.client.post(
          `/api/sites/${site.id}/residents`,
          resident(apartment.id, { pins: ['1212'] }),
        ),
        await stranger.client.patch(`/api/sites/${site.id}/residents/${created.body.id}`, {
          name: 'Mine',
        }),
        await stranger.client.delete(`/api/sites/${site.id}/apartments/${apartment.id}`),
      ]) {
        assertErrorBody(answer, 404, 'SITE_NOT_FOUND');
      }
      const vera = await viewerOf(cloud, anna, site.id);
      const seen = await vera.get(`/api/sites/${site.id}/residents`);
      assert.equal(seen.status, 200, seen.text);
      assert.deepEqual(seen.body.items[0].pins, []);
      assert.deepEqual(seen.body.items[0].cards, []);
      assert.equal(seen.body.items[0].credentialsHidden, true);
      assert.doesNotMatch(seen.text, /4821|ABCDEF/i);
      for (const answer of [
        await vera.post(
          `/api/sites/${site.id}/residents`,
          resident(apartment.id, { pins: ['1212'] }),
        ),
        await vera.patch(`/api/sites/${site.id}/residents/${created.body.id}`, { pins: ['1212'] }),
        await vera.delete(`/api/sites/${site.id}/residents/${created.body.id}`),
        await vera.post(`/api/sites/${site.id}/apartments`, { name: '99' }),
      ]) {
        assertErrorBody(answer, 403, 'INSUFFICIENT_ROLE');
      }
      assert.deepEqual(await buildingRows(cloud), before, 'nothing changed');
    });

    it('gives a family home its one apartment, and keeps a site type fixed', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const home = await anna.client.post('/api/sites', {
        name: 'The Nováks/house',
        type: 'family-home',
      });
      assert.equal(home.status, 201, home.text);
      assert.equal(home.body.type, 'family-home');
      const apartments = await anna.client.get(`/api/sites/${home.body.id}/apartments`);
      assert.equal(apartments.body.items.length, 1);
      const [only] = apartments.body.items;
      assert.equal(only.name, 'The Nováks-house');
      assertErrorBody(
        await anna.client.post(`/api/sites/${home.body.id}/apartments`, { name: '2' }),
        409,
        'FAMILY_HOME_HAS_ONE_APARTMENT',
      );
      assertErrorBody(
        await anna.client.delete(`/api/sites/${home.body.id}/apartments/${only.id}`),
        409,
        'FAMILY_HOME_HAS_ONE_APARTMENT',
      );
      const renamed = await anna.client.patch(`/api/sites/${home.body.id}/apartments/${only.id}`, {
        name: 'Home',
      });
      assert.equal(renamed.status, 200, renamed.text);

      const typeChange = await anna.client.patch(`/api/sites/${home.body.id}`, {
        name: 'Renamed',
        type: 'other',
      });
      assertErrorBody(typeChange, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(typeChange), ['type']);
      assert.match(typeChange.body.error.fields[0].message, /fixed/);
      const unknownType = await anna.client.post('/api/sites', { name: 'X', type: 'castle' });
      assertErrorBody(unknownType, 400, 'VALIDATION_FAILED');
      assert.equal((await anna.client.get(`/api/sites/${home.body.id}`)).body.type, 'family-home');
      const plain = await createSite(anna.client, 'Plain');
      assert.equal((plain as unknown as { type: string }).type, 'other');
      assert.equal(
        (await anna.client.get(`/api/sites/${plain.id}/apartments`)).body.items.length,
        0,
      );
    });

    it('gives one PIN to one resident when several ask at once', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, apartment } = await building(cloud);
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          anna.client.post(
            `/api/sites/${site.id}/residents`,
            resident(apartment.id, { name: `Racer ${i}`, pins: ['3141'] }),
          ),
        ),
      );
      assert.equal(answers.filter((a) => a.status === 201).length, 1);
      for (const answer of answers.filter((a) => a.status !== 201)) {
        assertErrorBody(answer, 409, 'CREDENTIAL_TAKEN');
      }
      const listed = await anna.client.get(`/api/sites/${site.id}/residents`);
      assert.equal(listed.body.items.length, 1);
    });

    it('forgets rights on a device that left the site', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, devices, apartment } = await building(cloud);
      const kept = devices[0]!.serialNumber;
      const released = devices[1]!.serialNumber;
      const created = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, {
          access: [
            { serialNumber: kept, switch: 1 },
            { serialNumber: released, switch: 1 },
          ],
        }),
      );
      assert.equal(created.status, 201, created.text);
      const deleted = await anna.client.delete(`/api/sites/${site.id}/devices/${released}`);
      assert.equal(deleted.status, 204, deleted.text);
      const listed = await anna.client.get(`/api/sites/${site.id}/residents`);
      assert.deepEqual(listed.body.items[0].access, [{ serialNumber: kept, switch: 1 }]);
      // A change of something else is not refused for the right that went with the device.
      const renamed = await anna.client.patch(
        `/api/sites/${site.id}/residents/${created.body.id}`,
        {
          name: 'Anna Nová',
        },
      );
      assert.equal(renamed.status, 200, renamed.text);
      assert.deepEqual(renamed.body.access, [{ serialNumber: kept, switch: 1 }]);
    });

    it('keeps PINs and cards out of the server log and the database', async (t) => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const cloud = await startTestCloud(t, dialect, { logger: { level: 'trace', stream } });
      const { anna, site, apartment } = await building(cloud);
      const pins = ['70317031', '80428042', '90539053', '6064606460646064'];
      const card = 'C0FFEE0042';
      const created = await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, { pins: [pins[0]], cards: [card] }),
      );
      assert.equal(created.status, 201, created.text);
      await anna.client.patch(`/api/sites/${site.id}/residents/${created.body.id}`, {
        pins: [pins[1]],
      });
      // Refused: taken, malformed (16 digits); and an import with a duplicate.
      await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, { name: 'B', pins: [pins[1]] }),
      );
      await anna.client.post(
        `/api/sites/${site.id}/residents`,
        resident(apartment.id, { name: 'B', pins: [pins[3]] }),
      );
      const csv = `apartment,name,pin\n12,Cyril,${pins[2]}\n12,Dana,${pins[2]}\n`;
      for (const query of ['?dryRun=true', '']) {
        await anna.client.request('POST', `/api/sites/${site.id}/residents/import${query}`, {
          body: csv,
          headers: { 'content-type': 'text/csv' },
        });
      }
      await anna.client.get(`/api/sites/${site.id}/residents`);
      const log = lines.join('');
      assert.match(log, /request completed/);
      for (const secret of [...pins, card, card.toLowerCase()]) {
        assert.equal(log.includes(secret), false, `the log holds ${secret}`);
      }
      const everything = JSON.stringify(await snapshotTables(cloud));
      for (const secret of [...pins, card]) {
        assert.equal(everything.includes(secret), false, `a table holds ${secret}`);
      }
    });
  });
}
