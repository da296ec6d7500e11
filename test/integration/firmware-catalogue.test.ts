import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countRows, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount, joinCompany, type Account } from '../helpers/factories.ts';
import { firmwareImage, postWithoutBody, uploadFirmware } from '../helpers/firmware.ts';
import { assertErrorBody } from '../helpers/http.ts';
import { MAX_FIRMWARE_BYTES } from '../../src/core/firmware.format.ts';

const OVERSIZED = 33 * 1024 * 1024;

const firmwareCounts = async (cloud: TestCloud) => {
  const counts = await countRows(cloud);
  return {
    blobs: counts.firmware_blobs,
    images: counts.firmware_images,
    audit: counts.audit_events,
  };
};

/** A Bearer token of the account (the CLI's way in). */
async function tokenOf(account: Account): Promise<string> {
  const response = await account.client.post('/api/tokens', { name: 'firmware' });
  assert.equal(response.status, 201, response.text);
  return response.body.token;
}

for (const dialect of testDialects) {
  describe(`the firmware catalogue (${dialect.name})`, () => {
    it('adds an image once: the same file again answers the same entry and stores no second blob', async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const image = firmwareImage();
      const first = await uploadFirmware(anna.client, image);
      assert.equal(first.status, 201, first.text);
      assert.equal(first.body.model, '2N IP Verso');
      assert.equal(first.body.version, '2.41.0.12');
      assert.equal(first.body.bytes, image.length);
      assert.equal(first.body.scope, 'company');
      assert.match(first.body.sha256, /^[0-9a-f]{64}$/);
      const again = await uploadFirmware(anna.client, image, 'copy.fw');
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, first.body);
      assert.deepEqual(await firmwareCounts(cloud), { blobs: 1, images: 1, audit: 1 });
      const audit = await cloud.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'firmware.add')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.company_id, anna.company.id);
      const listed = await anna.client.get('/api/firmware');
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body, {
        items: [first.body],
        nextCursor: null,
        uploadsAllowed: true,
      });
      assert.deepEqual(await cloud.services.firmware.content(first.body.sha256), image);
    });

    it("offers the operator's image to every company and a company's image only to that company", async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const bruno = await registerAccount(cloud, { name: 'Bruno' });
      const operator = await cloud.services.firmware.add('operator', {
        filename: 'verso-2.41.fw',
        content: firmwareImage('2.41.0.12'),
      });
      assert.equal(operator.created, true);
      assert.equal(operator.image.scope, 'operator');
      const own = await uploadFirmware(anna.client, firmwareImage('2.42.0.1', 'annas build'));
      assert.equal(own.status, 201, own.text);
      // The operator's file, uploaded by a company too, is a company entry over the same blob.
      const shared = await uploadFirmware(bruno.client, firmwareImage('2.41.0.12'));
      assert.equal(shared.status, 201, shared.text);
      assert.equal(shared.body.sha256, operator.image.sha256);
      assert.equal((await firmwareCounts(cloud)).blobs, 2);

      const annas = await anna.client.get('/api/firmware');
      assert.deepEqual(
        annas.body.items.map((i: { id: string }) => i.id).sort(),
        [operator.image.id, own.body.id].sort(),
      );
      const brunos = await bruno.client.get('/api/firmware');
      assert.deepEqual(
        brunos.body.items.map((i: { id: string }) => i.id).sort(),
        [operator.image.id, shared.body.id].sort(),
      );
      const firmware = cloud.services.firmware;
      assert.equal(
        (await firmware.imageFor(bruno.company.id, operator.image.id))?.id,
        operator.image.id,
      );
      assert.equal(
        (await firmware.imageFor(anna.company.id, own.body.id))?.sha256,
        own.body.sha256,
      );
      assert.equal(await firmware.imageFor(bruno.company.id, own.body.id), null);
      assert.equal(await firmware.imageFor(anna.company.id, 'no-such-image'), null);
      // Another company's id in X-Company-Id names no company of Bruno's.
      bruno.client.companyId = anna.company.id;
      assertErrorBody(await bruno.client.get('/api/firmware'), 404, 'COMPANY_NOT_FOUND');
    });

    it('refuses another file under a model and version the catalogue holds, and changes nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud);
      assert.equal((await uploadFirmware(anna.client, firmwareImage('3.0', 'one'))).status, 201);
      const before = await firmwareCounts(cloud);
      const clash = await uploadFirmware(anna.client, firmwareImage('3.0', 'two'));
      assertErrorBody(clash, 409, 'FIRMWARE_VERSION_CONFLICT');
      assert.match(clash.body.error.cause, /2N IP Verso 3\.0/);
      assert.deepEqual(await firmwareCounts(cloud), before);
    });

    it('refuses what is not an image and says what is wrong with it', async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud);
      const cases: [Buffer, RegExp][] = [
        [Buffer.from('%PDF-1.7 release notes'), /LATCHKEY-FW\/1/],
        // A forged header: the magic line, but no end of the header within 1 KiB.
        [
          Buffer.from(`LATCHKEY-FW/1\nmodel: 2N IP Verso\nversion: 2.41${'x'.repeat(2048)}`),
          /empty line/,
        ],
        [Buffer.from('LATCHKEY-FW/1\nmodel: 2N IP Verso\nversion: latest\n\npayload'), /version/],
        [Buffer.from(`LATCHKEY-FW/1\nmodel: ${'V'.repeat(80)}\nversion: 2.41\n\n`), /model/],
        [Buffer.from('LATCHKEY-FW/1\nmodel: 2N\u0007Verso\nversion: 2.41\n\n'), /model/],
        [Buffer.alloc(0), /LATCHKEY-FW\/1/],
      ];
      for (const [content, why] of cases) {
        const response = await uploadFirmware(anna.client, content);
        assertErrorBody(response, 422, 'FIRMWARE_IMAGE_INVALID');
        assert.match(response.body.error.cause, why);
      }
      assert.deepEqual(await firmwareCounts(cloud), { blobs: 0, images: 0, audit: 0 });
    });

    it('refuses a 33 MiB body before reading it: unauthenticated, a member, uploads off, and too large', async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud);
      const milo = await registerAccount(cloud);
      await joinCompany(cloud, milo, anna.company.id, 'member');
      const annaToken = await tokenOf(anna);
      milo.client.companyId = anna.company.id;
      const miloToken = await tokenOf(milo);

      const unauthenticated = await postWithoutBody(cloud.url, {}, OVERSIZED);
      assert.equal(unauthenticated.status, 401);
      const forged = await postWithoutBody(
        cloud.url,
        { Authorization: 'Bearer lk_forged' },
        OVERSIZED,
      );
      assert.equal(forged.status, 401);
      const member = await postWithoutBody(
        cloud.url,
        { Authorization: `Bearer ${miloToken}`, 'X-Company-Id': anna.company.id },
        OVERSIZED,
      );
      assert.equal(member.status, 403);
      // An admin, but more than 32 MiB: refused by its Content-Length alone.
      const tooLarge = await postWithoutBody(
        cloud.url,
        { Authorization: `Bearer ${annaToken}` },
        OVERSIZED,
      );
      assert.equal(tooLarge.status, 413);
      assert.deepEqual(await firmwareCounts(cloud), { blobs: 0, images: 0, audit: 0 });
    });

    it('accepts an image of exactly 32 MiB', async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud);
      const header = firmwareImage('4.0', '');
      const image = Buffer.concat([header, Buffer.alloc(MAX_FIRMWARE_BYTES - header.length, 7)]);
      const response = await uploadFirmware(anna.client, image);
      assert.equal(response.status, 201, response.text);
      assert.equal(response.body.bytes, MAX_FIRMWARE_BYTES);
    });

    it('answers 403 FIRMWARE_UPLOADS_DISABLED before the body when the cloud runs without --firmware-uploads', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const response = await uploadFirmware(anna.client, firmwareImage());
      assertErrorBody(response, 403, 'FIRMWARE_UPLOADS_DISABLED');
      assert.match(response.body.error.hints[0], /latchkey firmware add/);
      assert.match(response.body.error.hints[0], /--firmware-uploads/);
      const raw = await postWithoutBody(
        cloud.url,
        { Authorization: `Bearer ${await tokenOf(anna)}` },
        16 * 1024 * 1024,
      );
      assert.equal(raw.status, 403);
      const listed = await anna.client.get('/api/firmware');
      assert.equal(listed.body.uploadsAllowed, false);
      assert.deepEqual(await firmwareCounts(cloud), { blobs: 0, images: 0, audit: 0 });
    });

    it('lets a member list the catalogue but not add to it', async (t) => {
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const anna = await registerAccount(cloud);
      const milo = await registerAccount(cloud);
      await joinCompany(cloud, milo, anna.company.id, 'member');
      milo.client.companyId = anna.company.id;
      await cloud.services.firmware.add('operator', { filename: 'v.fw', content: firmwareImage() });
      const listed = await milo.client.get('/api/firmware');
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.items.length, 1);
      assert.equal(listed.body.uploadsAllowed, false);
      assertErrorBody(
        await uploadFirmware(milo.client, firmwareImage('5.0')),
        403,
        'INSUFFICIENT_ROLE',
      );
      assert.equal((await firmwareCounts(cloud)).images, 1);
    });
  });
}
