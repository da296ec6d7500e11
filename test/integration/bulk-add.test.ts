import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestCloud, TestClock, type TestCloud } from '../helpers/cloud.ts';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import {
  claim,
  codeFor,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
  type Account,
  type Site,
} from '../helpers/factories.ts';
import { assertErrorBody } from '../helpers/http.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';

interface BulkResult {
  row: number;
  serialNumber: string;
  outcome?: 'added' | 'moved';
  error?: { code: string; message: string; cause: string; hints: string[] };
}

const bulkPath = (site: Site) => `/api/sites/${site.id}/devices/bulk`;

function postCsv(account: Account, site: Site, csv: string, options: { csrf?: boolean } = {}) {
  return account.client.request<{ results: BulkResult[] }>('POST', bulkPath(site), {
    body: csv,
    headers: { 'content-type': 'text/csv' },
    ...options,
  });
}

function postRows(
  account: Account,
  site: Site,
  rows: { serialNumber: string; securityCode: string }[],
) {
  return account.client.post<{ results: BulkResult[] }>(bulkPath(site), { rows });
}

async function ownedBy(cloud: TestCloud, site: Site): Promise<string[]> {
  const rows = await cloud.store.db
    .selectFrom('ownerships')
    .select('serial_number')
    .where('site_id', '=', site.id)
    .execute();
  return rows.map((r) => r.serial_number).sort();
}

async function ownershipCount(cloud: TestCloud): Promise<number> {
  const rows = await cloud.store.db.selectFrom('ownerships').select('serial_number').execute();
  return rows.length;
}

/** The answer a row should get: an outcome, or an error code. */
type Expected = { serial: string; code: string; want: 'added' | 'moved' | string };

/** A valid code that belongs to no generation of the device: a typo that keeps the format. */
const wrongCode = (device: MintedDevice) => {
  const code = device.securityCode;
  const last = code.at(-1) === '0' ? '1' : '0';
  return code.slice(0, -1) + last;
};

/** An order that mixes the kinds of rows, the same every run. */

/**
 * A serial with its first two digits typed wrong, which no minted device has: serials are
 * random, so a fixed prefix could be the serial's own (then the row is no typo at all).
 */
function mistypedSerial(serial: string, minted: MintedDevice[]): string {
  const taken = new Set<string>(minted.map((d) => d.serialNumber));
  for (let prefix = 99; prefix >= 10; prefix--) {
    const candidate = serial.replace(/^\d\d/, String(prefix));
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free typo of ${serial}`);
}
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  let seed = 18;
  for (let i = copy.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

async function setup(t: TestContext, dialect: TestDialect) {
  const cloud = await startTestCloud(t, dialect, { clock: new TestClock(Date.now(), 1) });
  const anna = await registerAccount(cloud, { name: 'Anna' });
  const annaSite = await createSite(anna.client, "Anna's building");
  const ben = await registerAccount(cloud, { name: 'Ben' });
  const benSite = await createSite(ben.client, "Ben's building");
  return { cloud, anna, annaSite, ben, benSite };
}

for (const dialect of testDialects) {
  describe(`bulk add (${dialect.name})`, () => {
    it('answers 1,000 mixed rows one by one with the single add’s outcomes, in row order', async (t) => {
      const { cloud, anna, annaSite, ben, benSite } = await setup(t, dialect);
      const devices = await mintDevices(cloud, 996);
      let next = 0;
      const take = (n: number) => devices.slice(next, (next += n));
      const fresh = take(900);
      const toMove = take(20);
      const annas = take(20);
      const bens = take(20);
      const wrong = take(3);
      const replaced = take(3);
      const benRows = [...toMove, ...bens].map((d) => `${d.serialNumber},${d.securityCode}`);
      const benAnswer = await postCsv(ben, benSite, benRows.join('\n'));
      assert.equal(benAnswer.status, 200, benAnswer.text);
      for (const d of annas) {
        assert.equal(
          (await claim(anna.client, annaSite.id, d.serialNumber, d.securityCode)).status,
          201,
        );
      }
      // Generate New was pressed twice on these devices while they reported online.
      await cloud.store.db
        .updateTable('devices')
        .set({ known_generation: 2 })
        .where(
          'serial_number',
          'in',
          replaced.map((d) => d.serialNumber),
        )
        .execute();

      const expected: Expected[] = [
        ...fresh.map((d, i) => ({
          serial: d.serialNumber,
          // Codes are read as a single add reads them: any case, with or without dashes.
          code: i % 3 === 0 ? d.securityCode.toLowerCase().replace(/-/g, '') : d.securityCode,
          want: 'added',
        })),
        ...toMove.map((d) => ({ serial: d.serialNumber, code: codeFor(d, 1), want: 'moved' })),
        ...annas.map((d) => ({
          serial: d.serialNumber,
          code: d.securityCode,
          want: 'ALREADY_IN_THIS_SITE',
        })),
        ...bens.map((d) => ({
          serial: d.serialNumber,
          code: d.securityCode,
          want: 'DEVICE_ALREADY_ADDED',
        })),
        ...wrong.map((d) => ({
          serial: d.serialNumber,
          code: wrongCode(d),
          want: 'SECURITY_CODE_INVALID',
        })),
        ...replaced.map((d) => ({
          serial: d.serialNumber,
          code: d.securityCode,
          want: 'SECURITY_CODE_REPLACED',
        })),
        ...['99-0000-0001', '99-0000-0002', '99-0000-0003'].map((serial) => ({
          serial,
          code: fresh[0]!.securityCode,
          want: 'SERIAL_NOT_FOUND',
        })),
        ...['54-0562-029', 'abc', '', '54-0562-02931', 'S/N 54'].map((serial) => ({
          serial,
          code: fresh[1]!.securityCode,
          want: 'VALIDATION_FAILED',
        })),
        ...['AAAA', 'not a code', '', 'UUUU-UUUU-UUUU-UUUU', '1234'].map((code, i) => ({
          serial: fresh[2 + i]!.serialNumber,
          code,
          want: 'VALIDATION_FAILED',
        })),
      ];
      // Each fresh row written twice: the second finds the device added by the first.
      const shuffledRows = shuffled(expected);
      const duplicates = fresh.slice(100, 121).map((d) => ({
        serial: d.serialNumber,
        code: d.securityCode,
        want: 'ALREADY_IN_THIS_SITE',
      }));
      const rows = [...shuffledRows, ...duplicates];
      assert.equal(rows.length, 1000);
      // The malformed-code rows' serials are not added by them, but by their own fresh row.
      const csv = ['serialNumber,securityCode', ...rows.map((r) => `${r.serial},${r.code}`)].join(
        '\r\n',
      );
      const response = await postCsv(anna, annaSite, csv);
      assert.equal(response.status, 200, response.text);
      const { results } = response.body;
      assert.equal(results.length, 1000);
      results.forEach((result, i) => {
        const want = rows[i]!;
        // Row numbers are lines of the file: the header is line 1.
        assert.equal(result.row, i + 2);
        const got = result.outcome ?? result.error?.code;
        assert.equal(got, want.want, `row ${result.row} (${want.serial}, ${want.code})`);
        if (result.error) {
          assert.ok(result.error.message.length > 0 && result.error.cause.length > 0);
        }
      });
      const counts = new Map<string, number>();
      for (const r of results) {
        const key = r.outcome ?? r.error!.code;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      assert.deepEqual(Object.fromEntries(counts), {
        added: 900,
        moved: 20,
        ALREADY_IN_THIS_SITE: 41,
        DEVICE_ALREADY_ADDED: 20,
        SECURITY_CODE_INVALID: 3,
        SECURITY_CODE_REPLACED: 3,
        SERIAL_NOT_FOUND: 3,
        VALIDATION_FAILED: 10,
      });
      // The messages are the single add's.
      const single = await claim(
        ben.client,
        benSite.id,
        bens[0]!.serialNumber,
        bens[0]!.securityCode,
      );
      const alreadyRow = results.find((r) => r.error?.code === 'ALREADY_IN_THIS_SITE')!;
      assert.equal(single.status, 409);
      const singleInAnnas = await claim(
        anna.client,
        annaSite.id,
        annas[0]!.serialNumber,
        annas[0]!.securityCode,
      );
      assert.deepEqual(alreadyRow.error, singleInAnnas.body.error);

      assert.deepEqual(
        await ownedBy(cloud, annaSite),
        [...fresh, ...toMove, ...annas].map((d) => d.serialNumber).sort(),
      );
      assert.deepEqual(await ownedBy(cloud, benSite), bens.map((d) => d.serialNumber).sort());
    });

    it('takes JSON rows, numbered from 1, and a site column naming the site', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [a, b, c, d] = await mintDevices(cloud, 4);
      const json = await postRows(anna, annaSite, [
        { serialNumber: a!.serialNumber, securityCode: a!.securityCode },
        { serialNumber: 'nope', securityCode: b!.securityCode },
        { serialNumber: b!.serialNumber, securityCode: b!.securityCode },
      ]);
      assert.equal(json.status, 200, json.text);
      assert.deepEqual(
        json.body.results.map((r) => [r.row, r.serialNumber, r.outcome ?? r.error?.code]),
        [
          [1, a!.serialNumber, 'added'],
          [2, 'nope', 'VALIDATION_FAILED'],
          [3, b!.serialNumber, 'added'],
        ],
      );
      // Decision (docs/decisions/18-bulk.md): a site column must name this site, by id or name.
      const csv = [
        'securityCode,site,serialNumber',
        `${c!.securityCode},${annaSite.name},${c!.serialNumber}`,
        `${d!.securityCode},Somewhere else,${d!.serialNumber}`,
      ].join('\n');
      const withSite = await postCsv(anna, annaSite, csv);
      assert.equal(withSite.status, 200, withSite.text);
      assert.deepEqual(
        withSite.body.results.map((r) => r.outcome ?? r.error?.code),
        ['added', 'VALIDATION_FAILED'],
      );
      assert.deepEqual(
        await ownedBy(cloud, annaSite),
        [a!, b!, c!].map((x) => x.serialNumber).sort(),
      );
    });

    it('refuses a file of 10,001 rows whole, claiming nothing', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const line = `${device!.serialNumber},${device!.securityCode}`;
      const csv = Array.from({ length: 10_001 }, () => line).join('\n');
      assertErrorBody(await postCsv(anna, annaSite, csv), 413, 'BULK_TOO_MANY_ROWS');
      const rows = Array.from({ length: 10_001 }, () => ({
        serialNumber: device!.serialNumber,
        securityCode: device!.securityCode,
      }));
      assertErrorBody(await postRows(anna, annaSite, rows), 413, 'BULK_TOO_MANY_ROWS');
      assert.equal(await ownershipCount(cloud), 0);
    });

    it('refuses a body that is not a CSV file, and an empty one', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const picture = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0xd]);
      const binary = await anna.client.request('POST', bulkPath(annaSite), {
        body: picture,
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(binary.status, 400, binary.text);
      assertErrorBody(binary, 400, 'BULK_FILE_INVALID');
      assertErrorBody(await postCsv(anna, annaSite, ''), 400, 'BULK_FILE_INVALID');
      assertErrorBody(await postCsv(anna, annaSite, 'serial,"open'), 400, 'BULK_FILE_INVALID');
      assertErrorBody(
        await postCsv(anna, annaSite, 'serialNumber,password\n54-0562-0293,x'),
        400,
        'BULK_FILE_INVALID',
      );
      const pdf = await anna.client.request('POST', bulkPath(annaSite), {
        body: '%PDF-1.4',
        headers: { 'content-type': 'application/pdf' },
      });
      assertErrorBody(pdf, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(await ownershipCount(cloud), 0);
    });

    it('keeps every other route’s body limit', async (t) => {
      const { anna, annaSite } = await setup(t, dialect);
      const big = JSON.stringify({ name: 'x'.repeat(100 * 1024) });
      const response = await anna.client.request('POST', '/api/sites', {
        body: big,
        headers: { 'content-type': 'application/json' },
      });
      assertErrorBody(response, 413, 'PAYLOAD_TOO_LARGE');
      const csv = await anna.client.request('POST', `/api/sites/${annaSite.id}/devices`, {
        body: 'a,b',
        headers: { 'content-type': 'text/csv' },
      });
      assertErrorBody(csv, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it("answers 404 for another tenant's site and 403 for a viewer, claiming nothing", async (t) => {
      const { cloud, anna, annaSite, ben } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const csv = `${device!.serialNumber},${device!.securityCode}`;
      assertErrorBody(await postCsv(ben, annaSite, csv), 404, 'SITE_NOT_FOUND');
      const vera = await registerAccount(cloud, { name: 'Vera' });
      await joinCompany(cloud, vera, anna.company.id, 'member', [
        { siteId: annaSite.id, role: 'viewer' },
      ]);
      vera.client.companyId = anna.company.id;
      assertErrorBody(await postCsv(vera, annaSite, csv), 403, 'INSUFFICIENT_ROLE');
      assert.equal(await ownershipCount(cloud), 0);
    });

    it('refuses a cookie session without X-CSRF-Token, a form can send text/csv', async (t) => {
      const { cloud, anna, annaSite } = await setup(t, dialect);
      const [device] = await mintDevices(cloud, 1);
      const csv = `${device!.serialNumber},${device!.securityCode}`;
      assertErrorBody(
        await postCsv(anna, annaSite, csv, { csrf: false }),
        403,
        'CSRF_TOKEN_INVALID',
      );
      assert.equal(await ownershipCount(cloud), 0);
      assert.equal((await postCsv(anna, annaSite, csv)).status, 200);
      assert.equal(await ownershipCount(cloud), 1);
    });

    describe('the limits rule (docs/decisions/18-bulk.md)', () => {
      it('completes a file with a few typos, and a single claim right after still works', async (t) => {
        const { cloud, anna, annaSite } = await setup(t, dialect);
        const devices = await mintDevices(cloud, 1_501);
        const [last] = devices.splice(1_500, 1);
        // 1,500 rows with 14 typos in codes or serials: budget max(10, 15) = 15.
        const rows = devices.map((d, i) => {
          if (i % 100 === 7 && i < 1_200) return `${d.serialNumber},${wrongCode(d)}`;
          if (i === 57 || i === 557) {
            return `${mistypedSerial(d.serialNumber, [...devices, last!])},${d.securityCode}`;
          }
          return `${d.serialNumber},${d.securityCode}`;
        });
        const response = await postCsv(anna, annaSite, rows.join('\n'));
        assert.equal(response.status, 200, response.text);
        const failed = response.body.results.filter((r) => r.error);
        assert.deepEqual(
          failed.map((r) => [r.row, r.error!.code]),
          [
            ...[8, 108, 208, 308, 408, 508].map((row) => [row, 'SECURITY_CODE_INVALID']),
            [58, 'SERIAL_NOT_FOUND'],
            [558, 'SERIAL_NOT_FOUND'],
            ...[608, 708, 808, 908, 1008, 1108].map((row) => [row, 'SECURITY_CODE_INVALID']),
          ].sort((a, b) => Number(a[0]) - Number(b[0])),
        );
        assert.equal(response.body.results.filter((r) => r.outcome === 'added').length, 1_500 - 14);

        // The corrected rows, added right after, and a single claim.
        const corrected = failed.map((r) => devices[Number(r.row) - 1]!);
        const again = await postCsv(
          anna,
          annaSite,
          corrected.map((d) => `${d.serialNumber},${d.securityCode}`).join('\n'),
        );
        assert.deepEqual(
          again.body.results.map((r) => r.outcome),
          corrected.map(() => 'added'),
        );
        const single = await claim(
          anna.client,
          annaSite.id,
          last!.serialNumber,
          last!.securityCode,
        );
        assert.equal(single.status, 201, single.text);
        assert.equal((await ownedBy(cloud, annaSite)).length, 1_501);
      });

      it('stops a file of random codes early, and then refuses the next bulk up front', async (t) => {
        const { cloud, anna, annaSite } = await setup(t, dialect);
        const devices = await mintDevices(cloud, 1_000);
        const rows = devices.map((d) => `${d.serialNumber},${wrongCode(d)}`);
        const response = await postCsv(anna, annaSite, rows.join('\n'));
        assert.equal(response.status, 200, response.text);
        const codes = response.body.results.map((r) => r.error!.code);
        // Budget max(10, 1 % of 1,000) = 10 tries; every row after them answered untried.
        assert.equal(codes.filter((c) => c === 'SECURITY_CODE_INVALID').length, 10);
        assert.equal(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS').length, 990);
        const tried = await cloud.store.db
          .selectFrom('audit_events')
          .select('id')
          .where('action', '=', 'device.claim')
          .execute();
        assert.equal(tried.length, 10, 'only the tried rows are audited');

        // The request counted as one failure toward the account (the 1st of its ten): nine
        // more files of guesses and the account is limited like ten wrong single claims.
        for (let i = 0; i < 9; i++) {
          const more = await postCsv(anna, annaSite, rows.slice(0, 10).join('\n'));
          assert.equal(more.status, 200, more.text);
        }
        const refused = await postCsv(anna, annaSite, rows.slice(0, 10).join('\n'));
        assertErrorBody(refused, 429, 'TOO_MANY_ATTEMPTS');
        assert.ok(Number(refused.headers.get('retry-after')) > 0);
        const single = await claim(
          anna.client,
          annaSite.id,
          devices[0]!.serialNumber,
          devices[0]!.securityCode,
        );
        assertErrorBody(single, 429, 'TOO_MANY_ATTEMPTS');
        assert.equal(await ownershipCount(cloud), 0);
      });

      it('refuses a bulk up front once single claims limited the account', async (t) => {
        const { cloud, anna, annaSite } = await setup(t, dialect);
        const [device] = await mintDevices(cloud, 1);
        for (let i = 0; i < 10; i++) {
          await claim(anna.client, annaSite.id, device!.serialNumber, wrongCode(device!));
        }
        const csv = `${device!.serialNumber},${device!.securityCode}`;
        assertErrorBody(await postCsv(anna, annaSite, csv), 429, 'TOO_MANY_ATTEMPTS');
        assert.equal(await ownershipCount(cloud), 0);
      });
    });
  });
}
