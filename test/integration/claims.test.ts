import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestCloud, TestClock, type TestCloud } from '../helpers/cloud.ts';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
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
import { assertErrorBody, errorFields } from '../helpers/http.ts';

interface Setup {
  cloud: TestCloud;
  anna: Account;
  annaSite: Site;
}

async function setup(t: TestContext, dialect: TestDialect): Promise<Setup> {
  const cloud = await startTestCloud(t, dialect, { clock: new TestClock(Date.now(), 1) });
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const annaSite = await createSite(anna.client, "Anna's house");
  return { cloud, anna, annaSite };
}

async function ownership(cloud: TestCloud, serial: string) {
  return cloud.store.db
    .selectFrom('ownerships')
    .selectAll()
    .where('serial_number', '=', serial)
    .executeTakeFirst();
}

async function knownGeneration(cloud: TestCloud, serial: string) {
  const row = await cloud.store.db
    .selectFrom('devices')
    .select('known_generation')
    .where('serial_number', '=', serial)
    .executeTakeFirstOrThrow();
  return row.known_generation;
}

async function auditOf(account: Account, site: Site) {
  const response = await account.client.get(`/api/sites/${site.id}/audit`);
  assert.equal(response.status, 200, response.text);
  return response.body.items as {
    action: string;
    outcome: string;
    errorCode: string | null;
    serialNumber: string | null;
    actor: string | null;
    ip: string | null;
    detail: Record<string, unknown>;
  }[];
}

/** The first generation in [from, to] whose code contains the character. */
function generationWith(
  device: { serialNumber: string; secret: Buffer },
  char: string,
  from = 0,
  to = 32,
): number {
  for (let g = from; g <= to; g++) if (codeFor(device, g).includes(char)) return g;
  throw new Error(`no code with ${char} in generations ${from}..${to}`);
}

for (const dialect of testDialects) {
  describe(`claim rules over HTTP (${dialect.name})`, () => {
    it('adds an unowned device to the site and lists it there', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const response = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assert.equal(response.status, 201, response.text);
      assert.equal(response.body.outcome, 'added');
      assert.deepEqual(Object.keys(response.body.device).sort(), [
        'addedAt',
        'configurationMode',
        'firmware',
        'lastSeenAt',
        'location',
        'model',
        'name',
        'online',
        'serialNumber',
        'sync',
      ]);
      assert.equal(response.body.device.serialNumber, device!.serialNumber);
      assert.equal(response.body.device.model, '2N IP Verso');
      assert.equal(response.body.device.online, false);
      assert.equal(response.body.device.lastSeenAt, null);

      const list = await anna.client.get(`/api/sites/${annaSite.id}/devices`);
      assert.equal(list.status, 200);
      assert.equal(list.body.nextCursor, null);
      // The sync state moves on in the background (Auto Provisioning works the device out).
      const withoutSync = ({ sync: _sync, ...rest }: Record<string, unknown>) => rest;
      assert.deepEqual(list.body.items.map(withoutSync), [withoutSync(response.body.device)]);
      assert.equal(list.body.items[0].sync.state, 'pending');

      const row = await ownership(cloud, device!.serialNumber);
      assert.equal(row?.site_id, annaSite.id);
      assert.equal(row?.claimed_generation, 0);
      assert.equal(row?.claimed_by, anna.user.id);
      const [entry] = await auditOf(anna, annaSite);
      assert.equal(entry?.action, 'device.added');
      assert.equal(entry?.actor, anna.email);
      assert.equal(entry?.ip, '127.0.0.1');
    });

    it('refuses a malformed serial number or security code with field errors', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const badSerial = await claim(anna.client, annaSite.id, '54-0562-029', device!.securityCode);
      assertErrorBody(badSerial, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(badSerial), ['serialNumber']);
      assert.match(badSerial.body.error.fields[0].message, /10 digits/);

      const badCode = await claim(anna.client, annaSite.id, device!.serialNumber, 'ABCD-EFGH-JKMN');
      assertErrorBody(badCode, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(badCode), ['securityCode']);
      assert.match(badCode.body.error.fields[0].message, /16 letters and digits/);

      const both = await claim(anna.client, annaSite.id, 'serial', 'UUUU-UUUU-UUUU-UUUU');
      assertErrorBody(both, 400, 'VALIDATION_FAILED');
      assert.deepEqual(errorFields(both).sort(), ['securityCode', 'serialNumber']);

      // Validation refusals are not claims: nothing is audited and nothing counts.
      assert.deepEqual(await auditOf(anna, annaSite), []);
      assert.equal(await ownership(cloud, device!.serialNumber), undefined);
    });

    it('says the serial number does not exist and where to find it', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const unknown = device!.serialNumber === '99-9999-9999' ? '99-9999-9998' : '99-9999-9999';
      const response = await claim(anna.client, annaSite.id, unknown, device!.securityCode);
      assertErrorBody(response, 404, 'SERIAL_NOT_FOUND');
      assert.equal(response.body.error.message, 'The Serial Number does not exist');
      assert.equal(
        response.body.error.cause,
        'The serial number you have entered does not relate to any device.',
      );
      const hints = response.body.error.hints.join(' ');
      assert.match(hints, /correct any typo/);
      assert.match(hints, /back of most units/);
      assert.match(hints, /web interface/);
      assert.match(hints, /CERTIFICATE OF OWNERSHIP/);
      const [entry] = await auditOf(anna, annaSite);
      assert.equal(entry?.action, 'device.claim');
      assert.equal(entry?.outcome, 'refused');
      assert.equal(entry?.errorCode, 'SERIAL_NOT_FOUND');
      assert.equal(entry?.serialNumber, unknown);
    });

    it('refuses a security code that belongs to no generation of the device', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device, other] = await mintDevices(cloud, 2);
      // The code of another device.
      const foreign = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        other!.securityCode,
      );
      assertErrorBody(foreign, 422, 'SECURITY_CODE_INVALID');
      assert.equal(foreign.body.error.message, 'The security code is not valid');
      assert.match(foreign.body.error.hints.join(' '), /Auto Provisioning/);
      // One symbol off.
      const code = device!.securityCode;
      const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
      const typoAnswer = await claim(anna.client, annaSite.id, device!.serialNumber, typo);
      assertErrorBody(typoAnswer, 422, 'SECURITY_CODE_INVALID');
      assert.equal(await ownership(cloud, device!.serialNumber), undefined);
      assert.equal(await knownGeneration(cloud, device!.serialNumber), 0);
      const audit = await auditOf(anna, annaSite);
      assert.deepEqual(
        audit.map((e) => e.errorCode),
        ['SECURITY_CODE_INVALID', 'SECURITY_CODE_INVALID'],
      );
    });

    it('says the device is already in this site and changes nothing', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const first = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assert.equal(first.status, 201, first.text);
      const before = await ownership(cloud, device!.serialNumber);

      const again = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assertErrorBody(again, 409, 'ALREADY_IN_THIS_SITE');
      assert.equal(again.body.error.message, 'The device is already in this site');
      // Even with a newer code: it is there already, nothing moves.
      const newer = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        nextCode(device!, 0),
      );
      assertErrorBody(newer, 409, 'ALREADY_IN_THIS_SITE');

      assert.deepEqual(await ownership(cloud, device!.serialNumber), before);
      const list = await anna.client.get(`/api/sites/${annaSite.id}/devices`);
      assert.equal(list.body.items.length, 1);
      const audit = await auditOf(anna, annaSite);
      assert.deepEqual(
        audit.map((e) => e.errorCode ?? e.action),
        ['ALREADY_IN_THIS_SITE', 'ALREADY_IN_THIS_SITE', 'device.added'],
      );
    });

    it('refuses a device owned by another account when the code is not newer than its claim', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client, "Ben's office");
      const [device] = await mintDevices(cloud, 1);
      // Anna claims with generation 2 (the device generated new codes while offline).
      const code2 = codeFor(device!, 2);
      assert.equal(
        (await claim(anna.client, annaSite.id, device!.serialNumber, code2)).status,
        201,
      );

      const same = await claim(ben.client, benSite.id, device!.serialNumber, code2);
      assertErrorBody(same, 409, 'DEVICE_ALREADY_ADDED');
      assert.equal(same.body.error.message, 'The device is already added');
      assert.equal(same.body.error.cause, 'The device is already added to another account.');
      assert.equal(same.body.error.hints.length, 3);
      // The certificate's code is older than what the cloud knows: replaced, not "already added".
      const older = await claim(ben.client, benSite.id, device!.serialNumber, device!.securityCode);
      assertErrorBody(older, 422, 'SECURITY_CODE_REPLACED');

      const row = await ownership(cloud, device!.serialNumber);
      assert.equal(row?.site_id, annaSite.id);
      assert.equal(row?.claimed_generation, 2);
      const benAudit = await auditOf(ben, benSite);
      assert.deepEqual(
        benAudit.map((e) => e.errorCode),
        ['SECURITY_CODE_REPLACED', 'DEVICE_ALREADY_ADDED'],
      );
      // Anna's audit shows only her own claim: refusals are recorded in the site asked for.
      assert.deepEqual(
        (await auditOf(anna, annaSite)).map((e) => e.action),
        ['device.added'],
      );
      assert.equal((await anna.client.get('/api/notifications')).body.unreadCount, 0);
    });

    it('moves the device when the code was regenerated, notifies and audits both sides', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client, "Ben's office");
      const [device] = await mintDevices(cloud, 1);
      assert.equal(
        (await claim(anna.client, annaSite.id, device!.serialNumber, device!.securityCode)).status,
        201,
      );

      const moved = await claim(ben.client, benSite.id, device!.serialNumber, nextCode(device!, 0));
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.body.outcome, 'moved');
      assert.equal(moved.body.device.serialNumber, device!.serialNumber);

      const row = await ownership(cloud, device!.serialNumber);
      assert.equal(row?.site_id, benSite.id);
      assert.equal(row?.claimed_generation, 1);
      assert.equal(row?.claimed_by, ben.user.id);
      assert.equal(await knownGeneration(cloud, device!.serialNumber), 1);
      const ownerships = await cloud.store.db.selectFrom('ownerships').selectAll().execute();
      assert.equal(ownerships.length, 1);

      const notifications = await anna.client.get('/api/notifications');
      assert.equal(notifications.body.unreadCount, 1);
      assert.equal(notifications.body.items[0].kind, 'device-moved-away');
      assert.equal(notifications.body.items[0].serialNumber, device!.serialNumber);
      assert.match(notifications.body.items[0].title, new RegExp(device!.serialNumber));
      assert.equal((await ben.client.get('/api/notifications')).body.unreadCount, 0);

      const [movedIn] = await auditOf(ben, benSite);
      assert.equal(movedIn?.action, 'device.moved-in');
      assert.equal(movedIn?.actor, ben.email);
      assert.equal(movedIn?.detail.fromAnotherAccount, true);
      const [movedAway] = await auditOf(anna, annaSite);
      assert.equal(movedAway?.action, 'device.moved-away');
      assert.equal(movedAway?.serialNumber, device!.serialNumber);

      // The old owner cannot take it back with the old code, and the new code is Ben's now.
      const back = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assertErrorBody(back, 422, 'SECURITY_CODE_REPLACED');
      const sameNew = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        nextCode(device!, 0),
      );
      assertErrorBody(sameNew, 409, 'DEVICE_ALREADY_ADDED');
    });

    it('moves a device between two sites of one account with a regenerated code', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const garage = await createSite(anna.client, 'Garage');
      const [device] = await mintDevices(cloud, 1);
      await claim(anna.client, annaSite.id, device!.serialNumber, device!.securityCode);
      const refused = await claim(
        anna.client,
        garage.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assertErrorBody(refused, 409, 'DEVICE_ALREADY_ADDED');
      const moved = await claim(anna.client, garage.id, device!.serialNumber, nextCode(device!, 0));
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.body.outcome, 'moved');
      assert.equal((await ownership(cloud, device!.serialNumber))?.site_id, garage.id);
      const [movedIn] = await auditOf(anna, garage);
      assert.equal(movedIn?.action, 'device.moved-in');
      assert.equal(movedIn?.detail.fromAnotherAccount, false);
      // The notification says where it went, not "to another account".
      const [notice] = (await anna.client.get('/api/notifications')).body.items;
      assert.equal(notice.kind, 'device-moved-away');
      assert.doesNotMatch(`${notice.title} ${notice.body}`, /another account/);
      assert.match(notice.title, /Garage/);
    });

    it('accepts a code generated ahead while the device was offline and then replaces lower ones', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client, "Ben's office");
      const [device] = await mintDevices(cloud, 1);
      // Generate New pressed five times on an offline device: known is 0, the code is code(5).
      const ahead = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        codeFor(device!, 5),
      );
      assert.equal(ahead.status, 201, ahead.text);
      assert.equal(ahead.body.outcome, 'added');
      assert.equal(await knownGeneration(cloud, device!.serialNumber), 5);
      assert.equal((await ownership(cloud, device!.serialNumber))?.claimed_generation, 5);

      for (const generation of [0, 3, 4]) {
        const lower = await claim(
          ben.client,
          benSite.id,
          device!.serialNumber,
          codeFor(device!, generation),
        );
        assertErrorBody(lower, 422, 'SECURITY_CODE_REPLACED');
      }
      const same = await claim(ben.client, benSite.id, device!.serialNumber, codeFor(device!, 5));
      assertErrorBody(same, 409, 'DEVICE_ALREADY_ADDED');
      const newer = await claim(ben.client, benSite.id, device!.serialNumber, codeFor(device!, 6));
      assert.equal(newer.status, 201, newer.text);
      assert.equal(newer.body.outcome, 'moved');
      assert.equal(await knownGeneration(cloud, device!.serialNumber), 6);
    });

    it('accepts codes up to 32 generations ahead and no further', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const beyond = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        codeFor(device!, 33),
      );
      assertErrorBody(beyond, 422, 'SECURITY_CODE_INVALID');
      assert.equal(await knownGeneration(cloud, device!.serialNumber), 0);
      const edge = await claim(
        anna.client,
        annaSite.id,
        device!.serialNumber,
        codeFor(device!, 32),
      );
      assert.equal(edge.status, 201, edge.text);
      assert.equal(await knownGeneration(cloud, device!.serialNumber), 32);
      // The window moved with what the cloud knows: 33 is now inside it.
      const garage = await createSite(anna.client, 'Garage');
      const next = await claim(anna.client, garage.id, device!.serialNumber, codeFor(device!, 33));
      assert.equal(next.status, 201, next.text);
      assert.equal(next.body.outcome, 'moved');
    });

    it('calls codes up to 8 generations old replaced and older ones invalid', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      assert.equal(
        (await claim(anna.client, annaSite.id, device!.serialNumber, codeFor(device!, 10))).status,
        201,
      );
      const garage = await createSite(anna.client, 'Garage');
      assertErrorBody(
        await claim(anna.client, garage.id, device!.serialNumber, codeFor(device!, 2)),
        422,
        'SECURITY_CODE_REPLACED',
      );
      assertErrorBody(
        await claim(anna.client, garage.id, device!.serialNumber, codeFor(device!, 1)),
        422,
        'SECURITY_CODE_INVALID',
      );
      assertErrorBody(
        await claim(anna.client, garage.id, device!.serialNumber, codeFor(device!, 9)),
        422,
        'SECURITY_CODE_REPLACED',
      );
    });

    it('reads serial numbers and codes the way people type them', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [spaced, lower, zero, one, ell] = await mintDevices(cloud, 5);

      // "540562 0293": no dashes, a space.
      const digits = spaced!.serialNumber.replace(/-/g, '');
      const serialTyped = `${digits.slice(0, 6)} ${digits.slice(6)}`;
      const a = await claim(anna.client, annaSite.id, serialTyped, spaced!.securityCode);
      assert.equal(a.status, 201, a.text);
      assert.equal(a.body.device.serialNumber, spaced!.serialNumber);

      // Lower case with spaces instead of dashes, and a serial with dots.
      const codeTyped = lower!.securityCode.toLowerCase().replace(/-/g, ' ');
      const dotted = lower!.serialNumber.replace(/-/g, '.');
      const b = await claim(anna.client, annaSite.id, dotted, codeTyped);
      assert.equal(b.status, 201, b.text);

      // Crockford folding: O for 0, I and L for 1.
      const g0 = generationWith(zero!, '0');
      const c = await claim(
        anna.client,
        annaSite.id,
        zero!.serialNumber,
        codeFor(zero!, g0).replace(/0/g, 'O'),
      );
      assert.equal(c.status, 201, c.text);
      const g1 = generationWith(one!, '1');
      const d = await claim(
        anna.client,
        annaSite.id,
        one!.serialNumber,
        codeFor(one!, g1).replace(/1/g, 'i'),
      );
      assert.equal(d.status, 201, d.text);
      const gl = generationWith(ell!, '1');
      const e = await claim(
        anna.client,
        annaSite.id,
        ell!.serialNumber,
        codeFor(ell!, gl).replace(/1/g, 'L').replace(/-/g, ''),
      );
      assert.equal(e.status, 201, e.text);

      const list = await anna.client.get(`/api/sites/${annaSite.id}/devices`);
      assert.equal(list.body.items.length, 5);
    });

    it('deletes a device from its site, which frees it, and refuses to delete what is not there', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client, "Ben's office");
      const [device, other] = await mintDevices(cloud, 2);
      // What the device link follows to tell the device its owner.
      const told: { serialNumber: string; siteId: string | null }[] = [];
      cloud.events.on('ownership-changed', ({ serialNumber, siteId }) =>
        told.push({ serialNumber, siteId }),
      );
      await claim(anna.client, annaSite.id, device!.serialNumber, device!.securityCode);

      const notHere = await anna.client.delete(
        `/api/sites/${annaSite.id}/devices/${other!.serialNumber}`,
      );
      assertErrorBody(notHere, 404, 'DEVICE_NOT_IN_SITE');
      // Ben cannot delete Anna's device through his own site either.
      const viaOwnSite = await ben.client.delete(
        `/api/sites/${benSite.id}/devices/${device!.serialNumber}`,
      );
      assertErrorBody(viaOwnSite, 404, 'DEVICE_NOT_IN_SITE');
      assert.equal((await ownership(cloud, device!.serialNumber))?.site_id, annaSite.id);

      // Tolerant serial in the path too.
      const digits = device!.serialNumber.replace(/-/g, '');
      const deleted = await anna.client.delete(`/api/sites/${annaSite.id}/devices/${digits}`);
      assert.equal(deleted.status, 204, deleted.text);
      assert.equal(deleted.text, '');
      assert.equal(await ownership(cloud, device!.serialNumber), undefined);
      const again = await anna.client.delete(
        `/api/sites/${annaSite.id}/devices/${device!.serialNumber}`,
      );
      assertErrorBody(again, 404, 'DEVICE_NOT_IN_SITE');

      const [deletedEntry] = await auditOf(anna, annaSite);
      assert.equal(deletedEntry?.action, 'device.deleted');
      // Told once when added and once when deleted; refusals tell nothing.
      assert.deepEqual(told, [
        { serialNumber: device!.serialNumber, siteId: annaSite.id },
        { serialNumber: device!.serialNumber, siteId: null },
      ]);
      // Free again: Ben adds it with the same code.
      const added = await claim(ben.client, benSite.id, device!.serialNumber, device!.securityCode);
      assert.equal(added.status, 201, added.text);
      assert.equal(added.body.outcome, 'added');
    });

    it('answers each of many claims sent at once on its own (group commit on SQLite)', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const bobSite = await createSite(bob.client, 'Bob house');
      const devices = await mintDevices(cloud, 12);
      for (const device of devices.slice(8)) {
        const added = await claim(bob.client, bobSite.id, device.serialNumber, device.securityCode);
        assert.equal(added.status, 201, added.text);
      }
      // Sent together: adds, wrong codes and devices already in Bob's site, interleaved.
      const requests = devices.map((device, i) =>
        claim(
          anna.client,
          annaSite.id,
          device.serialNumber,
          i < 8 && i % 2 === 1 ? codeFor(device, 40) : device.securityCode,
        ),
      );
      const answers = await Promise.all(requests);
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [201, 422, 201, 422, 201, 422, 201, 422, 409, 409, 409, 409],
      );
      for (const [i, device] of devices.entries()) {
        const owner = await ownership(cloud, device.serialNumber);
        assert.equal(owner?.site_id, i >= 8 ? bobSite.id : i % 2 === 0 ? annaSite.id : undefined);
      }
      const audit = await auditOf(anna, annaSite);
      assert.equal(audit.filter((e) => e.action === 'device.added').length, 4);
      assert.equal(audit.filter((e) => e.outcome === 'refused').length, 8);
    });
  });
}
