import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { snapshotTables, startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import {
  createSite,
  DEFAULT_PASSWORD,
  mintDevices,
  registerAccount,
  type Account,
  type Site,
} from '../helpers/factories.ts';
import { ApiClient, assertErrorBody, errorFields, type ApiResponse } from '../helpers/http.ts';

interface Fixture {
  cloud: TestCloud;
  anna: Account;
  annaSite: Site;
  benSite: Site;
  anonymous: ApiClient;
  serial: string;
  code: string;
}

interface Case {
  name: string;
  send(f: Fixture): Promise<ApiResponse>;
  status: number;
  code: string;
  /** The fields a VALIDATION_FAILED answer must name. */
  fields?: string[];
}

const JSON_TYPE = { 'content-type': 'application/json' };
const devices = (f: Fixture, siteId = f.annaSite.id) => `/api/sites/${siteId}/devices`;
const raw = (f: Fixture, body: string | Buffer, headers: Record<string, string> = JSON_TYPE) =>
  f.anna.client.request('POST', devices(f), { body, headers });
const claimWith = (f: Fixture, body: unknown) => f.anna.client.post(devices(f), body);

const malformed: Case[] = [
  {
    name: 'truncated JSON',
    send: (f) => raw(f, `{"serialNumber": "${f.serial}",`),
    status: 400,
    code: 'MALFORMED_REQUEST',
  },
  { name: 'an empty JSON body', send: (f) => raw(f, ''), status: 400, code: 'MALFORMED_REQUEST' },
  {
    name: 'single-quoted JSON',
    send: (f) => raw(f, `{'serialNumber': '${f.serial}'}`),
    status: 400,
    code: 'MALFORMED_REQUEST',
  },
  {
    name: 'JSON followed by garbage',
    send: (f) => raw(f, `{"serialNumber": "${f.serial}", "securityCode": "${f.code}"} x`),
    status: 400,
    code: 'MALFORMED_REQUEST',
  },
  {
    name: 'a __proto__ key',
    send: (f) =>
      raw(f, `{"serialNumber":"${f.serial}","securityCode":"${f.code}","__proto__":{"x":1}}`),
    status: 400,
    code: 'MALFORMED_REQUEST',
  },
  {
    name: 'bytes that are not UTF-8',
    send: (f) => raw(f, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
    status: 400,
    code: 'MALFORMED_REQUEST',
  },
  {
    name: 'JSON nested 10000 levels deep',
    send: (f) => raw(f, '['.repeat(10_000) + ']'.repeat(10_000)),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a text/plain body',
    send: (f) => raw(f, `serialNumber=${f.serial}`, { 'content-type': 'text/plain' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form body',
    send: (f) =>
      raw(f, `serialNumber=${f.serial}&securityCode=${f.code}`, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a body without a content type',
    send: (f) => raw(f, JSON.stringify({ serialNumber: f.serial, securityCode: f.code }), {}),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
];

const wrongTypes: Case[] = [
  {
    name: 'a serial number given as a number',
    send: (f) => claimWith(f, { serialNumber: 5405620293, securityCode: f.code }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber'],
  },
  {
    name: 'a null security code',
    send: (f) => claimWith(f, { serialNumber: f.serial, securityCode: null }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['securityCode'],
  },
  {
    name: 'an object and an array for the fields',
    send: (f) => claimWith(f, { serialNumber: {}, securityCode: [f.code] }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber', 'securityCode'],
  },
  {
    name: 'booleans for the fields',
    send: (f) => claimWith(f, { serialNumber: true, securityCode: false }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber', 'securityCode'],
  },
  {
    name: 'missing fields',
    send: (f) => claimWith(f, {}),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber', 'securityCode'],
  },
  {
    name: 'an array body',
    send: (f) => claimWith(f, [f.serial, f.code]),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a string body',
    send: (f) => claimWith(f, f.serial),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'a null body', send: (f) => raw(f, 'null'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a number body', send: (f) => raw(f, '42'), status: 400, code: 'VALIDATION_FAILED' },
];

const huge: Case[] = [
  {
    name: 'a 1 MiB body',
    send: (f) =>
      claimWith(f, { serialNumber: f.serial, securityCode: f.code, pad: 'x'.repeat(1 << 20) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'a body just over 64 KiB',
    send: (f) =>
      raw(f, JSON.stringify({ serialNumber: f.serial, securityCode: 'A'.repeat(65_536) })),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'a 60 KB security code inside the limit',
    send: (f) => claimWith(f, { serialNumber: f.serial, securityCode: 'A'.repeat(60_000) }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['securityCode'],
  },
  {
    name: 'a 60 KB serial number inside the limit',
    send: (f) => claimWith(f, { serialNumber: '1'.repeat(60_000), securityCode: f.code }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber'],
  },
];

const unknownFields: Case[] = [
  {
    name: 'an unknown field',
    send: (f) => claimWith(f, { serialNumber: f.serial, securityCode: f.code, owner: 'me' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['owner'],
  },
  {
    name: 'a site id in the body',
    send: (f) =>
      claimWith(f, { serialNumber: f.serial, securityCode: f.code, siteId: f.benSite.id }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['siteId'],
  },
  {
    name: 'a misspelt field',
    send: (f) => claimWith(f, { serial: f.serial, securityCode: f.code }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber', 'serial'],
  },
];

const badSerials: [string, string][] = [
  ['an empty serial number', ''],
  ['a blank serial number', '   '],
  ['a serial number with 9 digits', '54-0562-029'],
  ['a serial number with 11 digits', '54-0562-02933'],
  ['a serial number with letters', 'AB-CDEF-GHIJ'],
  ['a serial number in Arabic-Indic digits', '٥٤-٠٥٦٢-٠٢٩٣'],
  ['a serial number with underscores', '54_0562_0293'],
  ['a serial number with SQL', "54-0562-0293' OR '1'='1"],
  ['a serial number with a NUL byte', '54-0562-0293\u0000'],
  ['a 101-character serial number', '5'.repeat(101)],
];

const badCodes: [string, string][] = [
  ['an empty code', ''],
  ['a code of dashes only', '----'],
  ['a code with 15 symbols', 'ABCD-EFGH-JKMN-PQR'],
  ['a code with 17 symbols', 'ABCD-EFGH-JKMN-PQRS-T'],
  ['a code with a U', 'ABCD-EFGH-JKMN-PQRU'],
  ['a code with punctuation', 'ABCD.EFGH.JKMN.PQRS'],
  ['a code with an emoji', 'ABCD-EFGH-JKMN-PQR🙂'],
  ['a code of NUL bytes', '\u0000'.repeat(16)],
  ['a code with SQL', "' OR 1=1 --"],
  ['a 101-character code', 'A'.repeat(101)],
];

const siteIds: Case[] = [
  {
    name: 'an unknown site id',
    send: (f) =>
      f.anna.client.post(devices(f, randomUUID()), {
        serialNumber: f.serial,
        securityCode: f.code,
      }),
    status: 404,
    code: 'SITE_NOT_FOUND',
  },
  {
    name: "another company's site id",
    send: (f) =>
      f.anna.client.post(devices(f, f.benSite.id), {
        serialNumber: f.serial,
        securityCode: f.code,
      }),
    status: 404,
    code: 'SITE_NOT_FOUND',
  },
  {
    name: 'a site id with SQL',
    send: (f) =>
      f.anna.client.post(devices(f, encodeURIComponent("' OR '1'='1")), {
        serialNumber: f.serial,
        securityCode: f.code,
      }),
    status: 404,
    code: 'SITE_NOT_FOUND',
  },
  {
    name: 'a site id with a NUL byte',
    send: (f) =>
      f.anna.client.post(devices(f, `${f.annaSite.id}%00`), {
        serialNumber: f.serial,
        securityCode: f.code,
      }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['siteId'],
  },
  {
    name: 'a site id of 101 characters',
    send: (f) => f.anna.client.get(`/api/sites/${'a'.repeat(101)}`),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a site id of 500 characters',
    send: (f) =>
      f.anna.client.post(devices(f, 'a'.repeat(500)), {
        serialNumber: f.serial,
        securityCode: f.code,
      }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a site id that is not valid percent-encoding',
    send: (f) => f.anna.client.get('/api/sites/%E0%A4%A/devices'),
    status: 404,
    code: 'NOT_FOUND',
  },
];

const otherRoutes: Case[] = [
  {
    name: 'an empty site name',
    send: (f) => f.anna.client.post('/api/sites', { name: '   ' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['name'],
  },
  {
    name: 'a 101-character site name',
    send: (f) => f.anna.client.post('/api/sites', { name: 'n'.repeat(101) }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['name'],
  },
  {
    name: 'a site name with a NUL byte',
    send: (f) => f.anna.client.post('/api/sites', { name: 'Lobby\u0000' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['name'],
  },
  {
    name: 'a site name with a lone surrogate',
    send: (f) => f.anna.client.post('/api/sites', { name: 'Lobby \ud800' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['name'],
  },
  {
    name: 'request headers over the size limit',
    send: (f) => f.anna.client.get('/api/sites', { headers: { 'x-padding': 'p'.repeat(20_000) } }),
    status: 400,
    code: 'MALFORMED_REQUEST',
  },
  {
    name: 'a site rename without a name',
    send: (f) => f.anna.client.patch(`/api/sites/${f.annaSite.id}`, {}),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['name'],
  },
  {
    name: 'a site rename with an unknown field',
    send: (f) => f.anna.client.patch(`/api/sites/${f.annaSite.id}`, { name: 'x', companyId: 'y' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['companyId'],
  },
  {
    name: 'a site in a company one does not belong to',
    send: (f) => f.anna.client.post('/api/sites', { name: 'x', companyId: f.benSite.companyId }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['companyId'],
  },
  {
    name: 'a malformed serial number in a delete',
    send: (f) => f.anna.client.delete(`/api/sites/${f.annaSite.id}/devices/not-a-serial`),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['serialNumber'],
  },
  {
    name: 'a limit of 0',
    send: (f) => f.anna.client.get('/api/sites?limit=0'),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['limit'],
  },
  {
    name: 'a limit that is not a number',
    send: (f) => f.anna.client.get(`/api/sites/${f.annaSite.id}/devices?limit=ten`),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['limit'],
  },
  {
    name: 'a limit over 200',
    send: (f) => f.anna.client.get(`/api/sites/${f.annaSite.id}/audit?limit=201`),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['limit'],
  },
  {
    name: 'a cursor that was not issued',
    send: (f) => f.anna.client.get(`/api/sites/${f.annaSite.id}/audit?cursor=bm90LWEtY3Vyc29y`),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['cursor'],
  },
  {
    name: 'a forged cursor with a NUL byte',
    send: (f) =>
      f.anna.client.get(
        `/api/sites?cursor=${Buffer.from(JSON.stringify(['\u0000', 'x'])).toString('base64url')}`,
      ),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['cursor'],
  },
  {
    name: 'an unknown query parameter',
    send: (f) => f.anna.client.get('/api/notifications?admin=true'),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['admin'],
  },
  {
    name: 'notification ids that are not a list',
    send: (f) => f.anna.client.post('/api/notifications/read', { ids: 'all' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['ids'],
  },
  {
    name: 'a notification id with a NUL byte',
    send: (f) => f.anna.client.post('/api/notifications/read', { ids: ['\u0000'] }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['ids.0'],
  },
  {
    name: 'an API token name that is a number',
    send: (f) => f.anna.client.post('/api/tokens', { name: 7 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['name'],
  },
  {
    name: 'a registration with a bad e-mail address',
    send: (f) =>
      f.anonymous.post('/api/auth/register', {
        email: 'anna',
        password: DEFAULT_PASSWORD,
        name: 'A',
      }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['email'],
  },
  {
    name: 'a registration with an unknown field',
    send: (f) =>
      f.anonymous.post('/api/auth/register', {
        email: 'eve@example.com',
        password: DEFAULT_PASSWORD,
        name: 'Eve',
        role: 'operator',
      }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['role'],
  },
  {
    name: 'an e-mail address with a NUL byte at login',
    send: (f) =>
      f.anonymous.post('/api/auth/login', { email: 'anna\u0000@example.com', password: 'x' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['email'],
  },
  {
    name: 'a login with a number for a password',
    send: (f) => f.anonymous.post('/api/auth/login', { email: f.anna.email, password: 12345 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    fields: ['password'],
  },
  {
    name: 'an unknown route',
    send: (f) => f.anna.client.get('/api/no-such-route'),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a method a route does not have',
    send: (f) =>
      f.anna.client.request('PUT', `/api/sites/${f.annaSite.id}`, { json: { name: 'x' } }),
    status: 404,
    code: 'NOT_FOUND',
  },
];

const groups: [string, Case[]][] = [
  ['malformed bodies', malformed],
  ['wrong types', wrongTypes],
  ['huge bodies', huge],
  ['unknown fields', unknownFields],
  [
    'bad serial numbers',
    badSerials.map(([name, serialNumber]) => ({
      name,
      send: (f: Fixture) => claimWith(f, { serialNumber, securityCode: f.code }),
      status: 400,
      code: 'VALIDATION_FAILED',
      fields: ['serialNumber'],
    })),
  ],
  [
    'bad security codes',
    badCodes.map(([name, securityCode]) => ({
      name,
      send: (f: Fixture) => claimWith(f, { serialNumber: f.serial, securityCode }),
      status: 400,
      code: 'VALIDATION_FAILED',
      fields: ['securityCode'],
    })),
  ],
  ['unknown or foreign site ids', siteIds],
  ['other routes', otherRoutes],
];

for (const dialect of testDialects) {
  describe(`bad input is refused with a 4xx and changes nothing (${dialect.name})`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    let fixture: Fixture;

    before(async () => {
      const cloud = await startTestCloud({ after: (fn) => cleanups.push(fn) }, dialect);
      const [device] = await mintDevices(cloud, 1);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const annaSite = await createSite(anna.client, 'Anna HQ');
      const ben = await registerAccount(cloud, { name: 'Ben' });
      const benSite = await createSite(ben.client, 'Ben HQ');
      fixture = {
        cloud,
        anna,
        annaSite,
        benSite,
        anonymous: new ApiClient(cloud.url),
        serial: device!.serialNumber,
        code: device!.securityCode,
      };
    });

    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    for (const [group, cases] of groups) {
      describe(group, () => {
        for (const c of cases) {
          it(`refuses ${c.name} with ${c.status} ${c.code}`, async () => {
            const before = await snapshotTables(fixture.cloud);
            const response = await c.send(fixture);
            assertErrorBody(response, c.status, c.code);
            if (c.fields) assert.deepEqual(errorFields(response).sort(), [...c.fields].sort());
            assert.deepEqual(await snapshotTables(fixture.cloud), before, 'the database changed');
          });
        }
      });
    }

    it('refuses bytes that are not HTTP with the error body', async () => {
      const url = new URL(fixture.cloud.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write('HELLO /api/sites THERE\r\n\u0001\r\n\r\n');
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('utf8')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      const [head, body] = answer.split('\r\n\r\n') as [string, string];
      assert.match(head, /^HTTP\/1\.1 400 /);
      assert.match(head, /content-type: application\/json/i);
      const parsed = JSON.parse(body) as { error: Record<string, unknown> };
      assert.equal(parsed.error.code, 'MALFORMED_REQUEST');
      assert.deepEqual(Object.keys(parsed.error).sort(), ['cause', 'code', 'hints', 'message']);
    });

    it('still works normally after all of that', async () => {
      const response = await claimWith(fixture, {
        serialNumber: fixture.serial,
        securityCode: fixture.code,
      });
      assert.equal(response.status, 201, response.text);
    });
  });
}
