import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, type ApiClient } from '../helpers/http.ts';
import { insertApartment, insertResident } from '../helpers/buildings.ts';

async function building(cloud: TestCloud) {
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const site = (
    await anna.client.post('/api/sites', { name: 'Block A', type: 'apartment-building' })
  ).body;
  const [device] = await mintDevices(cloud, 1);
  assert.equal(
    (await claim(anna.client, site.id, device!.serialNumber, device!.securityCode)).status,
    201,
  );
  return { anna, site, serial: device!.serialNumber };
}

const upload = (client: ApiClient, siteId: string, csv: string | Buffer, dryRun = false) =>
  client.request('POST', `/api/sites/${siteId}/residents/import${dryRun ? '?dryRun=true' : ''}`, {
    body: csv,
    headers: { 'content-type': 'text/csv' },
  });

/** Every resident of the site, all pages. */
async function allResidents(client: ApiClient, siteId: string) {
  const items = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await client.get(`/api/sites/${siteId}/residents?limit=200${query}`);
    assert.equal(page.status, 200, page.text);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return items;
}

for (const dialect of testDialects) {
  describe(`residents import (${dialect.name})`, () => {
    it('previews errors per row, then applies a file whole, creating apartments and updating residents', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial } = await building(cloud);
      const existingApartment = await insertApartment(cloud, site.id, '1', '0');
      const dana = await insertResident(cloud, site.id, {
        apartmentId: existingApartment.id,
        name: 'Dana Malá',
        pins: ['5151'],
      });
      const bad = [
        '\uFEFFapartment,floor,name,email,pin,cards,validFrom,validTo,enabled,access,callTarget',
        `12,3,"Novák, Anna",anna@example.com,4821,00A1 00B2,2026-01-01,,yes,${serial}:1 ${serial}:2,sip:1001@pbx.example.com`,
        '12,3,Ben Novák,,4821,,,,no,,',
        '14,3,Cyril,,12345678901234567,,,,maybe,99-9999-9999:1,',
        '1,0,dana malá,,5252,,,,,,',
        '15,,Eva,,5151,,,,,,',
        '"multi\nline",,Fero,,,,,,,,',
      ].join('\r\n');
      const before = await snapshotTables(cloud);
      const preview = await upload(anna.client, site.id, bad, true);
      assert.equal(preview.status, 200, preview.text);
      assert.equal(preview.body.dryRun, true);
      const byRow = new Map(preview.body.rows.map((r: { row: number }) => [r.row, r]));
      assert.equal((byRow.get(2) as { outcome: string }).outcome, 'create');
      const fields = (row: number) =>
        ((byRow.get(row) as { errors?: { field: string }[] }).errors ?? [])
          .map((e) => e.field)
          .sort();
      assert.deepEqual(fields(3), ['pin'], 'the same PIN as row 2');
      assert.deepEqual(fields(4), ['access', 'enabled', 'pin']);
      assert.equal(
        (byRow.get(5) as { outcome: string }).outcome,
        'update',
        'matched by apartment and name',
      );
      assert.deepEqual(fields(6), [], 'Dana gives up 5151, so Eva may take it');
      assert.deepEqual(fields(7), ['apartment']);
      assert.deepEqual(
        [preview.body.created, preview.body.updated, preview.body.errors],
        [2, 1, 3],
      );
      assert.doesNotMatch(preview.text, /4821|5151|5252|12345678901234567/);
      assert.deepEqual(await snapshotTables(cloud), before, 'a dry run changes nothing');

      const refused = await upload(anna.client, site.id, bad);
      assert.equal(refused.status, 422, refused.text);
      assert.equal(refused.body.error.code, 'IMPORT_HAS_ERRORS');
      assert.deepEqual(refused.body.rows, preview.body.rows);
      assert.equal(refused.body.dryRun, false);
      assert.deepEqual(await snapshotTables(cloud), before, 'a file with errors changes nothing');

      const good = bad
        .split('\r\n')
        .filter((_, i) => i < 2 || i === 4 || i === 5)
        .join('\r\n');
      const applied = await upload(anna.client, site.id, good);
      assert.equal(applied.status, 200, applied.text);
      assert.deepEqual(
        [applied.body.created, applied.body.updated, applied.body.errors],
        [2, 1, 0],
      );
      const residents = await allResidents(anna.client, site.id);
      const anna1 = residents.find((r) => r.name === 'Novák, Anna');
      assert.equal(anna1.apartmentName, '12');
      assert.deepEqual(anna1.pins, ['4821']);
      assert.deepEqual(anna1.cards, ['00A1', '00B2']);
      assert.deepEqual(anna1.access, [
        { serialNumber: serial, switch: 1 },
        { serialNumber: serial, switch: 2 },
      ]);
      assert.equal(anna1.callTarget, 'sip:1001@pbx.example.com');
      const updated = residents.find((r) => r.id === dana.id);
      assert.deepEqual(updated.pins, ['5252']);
      assert.equal(updated.name, 'dana malá');
      assert.deepEqual(residents.find((r) => r.name === 'Eva').pins, ['5151']);
      const apartments = (await anna.client.get(`/api/sites/${site.id}/apartments`)).body.items;
      assert.deepEqual(
        apartments.map((a: { name: string; floor: string | null }) => [a.name, a.floor]),
        [
          ['1', '0'],
          ['12', '3'],
          ['15', null],
        ],
      );
      const audit = await anna.client.get(`/api/sites/${site.id}/audit`);
      const imported = audit.body.items.find(
        (e: { action: string }) => e.action === 'residents.imported',
      );
      assert.deepEqual(imported.detail, { created: 2, updated: 1, apartmentsCreated: 2 });
    });

    it('imports 2,000 residents in one go', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site, serial } = await building(cloud);
      const lines = ['apartment,floor,name,pin,cards,access'];
      for (let i = 0; i < 2000; i++) {
        const apartment = `${Math.floor(i / 4) + 1}`;
        lines.push(
          `${apartment},${Math.floor(i / 40)},Resident ${i},${String(100000 + i)},${(0xa0000 + i).toString(16)},${serial}:1`,
        );
      }
      const statements = cloud.store.statementCount();
      const applied = await upload(anna.client, site.id, `${lines.join('\n')}\n`);
      assert.equal(applied.status, 200, applied.text.slice(0, 500));
      assert.equal(applied.body.created, 2000);
      // Batched: far fewer statements than one per resident.
      assert.ok(
        cloud.store.statementCount() - statements < 200,
        `${cloud.store.statementCount() - statements} statements`,
      );
      assert.equal((await allResidents(anna.client, site.id)).length, 2000);
      const counts = await cloud.store.db
        .selectFrom('resident_credentials')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(counts.n), 4000);
      // One more is over the intercom directory's capacity.
      const more = await upload(anna.client, site.id, 'apartment,name\n1,One too many\n');
      assertErrorBody(more, 409, 'RESIDENT_LIMIT_REACHED');
      const apartmentId = (await anna.client.get(`/api/sites/${site.id}/apartments?limit=1`)).body
        .items[0].id;
      assertErrorBody(
        await anna.client.post(`/api/sites/${site.id}/residents`, {
          name: 'One too many',
          apartmentId,
        }),
        409,
        'RESIDENT_LIMIT_REACHED',
      );
    });

    it('refuses a file that is not a residents file, too large, or another company’s site', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const { anna, site } = await building(cloud);
      const before = await snapshotTables(cloud);
      for (const csv of [
        'name,colour\nAnna,red\n',
        'apartment,name\n"unclosed,Anna\n',
        '',
        'apartment,name\n1,a,b\n',
      ]) {
        const refused = await upload(anna.client, site.id, csv);
        assertErrorBody(refused, 400, 'VALIDATION_FAILED');
        assert.equal(refused.body.error.fields[0].field, 'file');
      }
      const huge = Buffer.alloc(2 * 1024 * 1024 + 10, 'a');
      assertErrorBody(await upload(anna.client, site.id, huge), 413, 'PAYLOAD_TOO_LARGE');
      const json = await anna.client.post(`/api/sites/${site.id}/residents/import`, { csv: 'x' });
      assertErrorBody(json, 400, 'VALIDATION_FAILED');
      const stranger = await registerAccount(cloud, { name: 'Stan' });
      const foreign = await upload(stranger.client, site.id, 'apartment,name\n1,Intruder\n');
      assertErrorBody(foreign, 404, 'SITE_NOT_FOUND');
      const rows = await snapshotTables(cloud);
      for (const table of [
        'apartments',
        'residents',
        'resident_credentials',
        'audit_events',
      ] as const) {
        assert.deepEqual(rows[table], before[table], table);
      }
    });

    it('keeps a family home to its one apartment', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const home = (await anna.client.post('/api/sites', { name: 'Home', type: 'family-home' }))
        .body;
      const preview = await upload(
        anna.client,
        home.id,
        'apartment,name\nHome,Anna\nGarage,Ben\n',
        true,
      );
      assert.equal(preview.status, 200, preview.text);
      assert.deepEqual(
        preview.body.rows.map((r: { outcome: string }) => r.outcome),
        ['create', 'error'],
      );
      assert.equal(preview.body.rows[1].errors[0].field, 'apartment');
    });
  });
}
