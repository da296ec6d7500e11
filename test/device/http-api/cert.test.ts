import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { generateSelfSignedCertificate } from '../../../src/device/certificate.ts';
import { configToXml, parseConfigXml } from '../../../src/device/config.xml.ts';
import { basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.20 api/cert: the CA (§5.20.1) and user (§5.20.2) certificate stores.

const USER = 'integrator';
const PASS = 'api-pass-1';

interface Info {
  fingerprint: string;
  subject: Record<string, string>;
  issuer: Record<string, string>;
  id: string;
  startDate: number;
  endDate: number;
  protected: boolean;
  systemUseOnly: boolean;
}

const sha1 = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, '').toLowerCase();

async function start(t: Parameters<typeof startTestDevice>[0]) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const call = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${running.url}${path}`, {
      ...init,
      headers: { authorization: basic(USER, PASS), ...(init.headers as Record<string, string>) },
    });
    const text = await response.text();
    return { text, body: JSON.parse(text) as Envelope<T> };
  };
  const upload = (path: string, files: Record<string, string | Buffer>) => {
    const form = new FormData();
    for (const [name, content] of Object.entries(files))
      form.append(name, new Blob([content]), `${name}.pem`);
    return call<{ certificates: Info[] }>(path, { method: 'PUT', body: form });
  };
  const list = async (path: string) =>
    ((await call<{ certificates: Info[] }>(path)).body as { result: { certificates: Info[] } })
      .result.certificates;
  return { ...running, call, upload, list };
}

const errorOf = (body: Envelope) => {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
};

test("cert/user lists the device's own certificate as protected; cert/ca starts empty", async (t) => {
  const { list, device } = await start(t);
  assert.deepEqual(await list('/api/cert/ca'), []);
  const [own] = await list('/api/cert/user');
  assert.equal(own!.id, '#self-signed');
  assert.equal(own!.protected, true);
  assert.equal(own!.fingerprint, sha1(device.config.current.certificate.certPem));
  assert.equal(own!.subject.O, 'Latchkey emulated intercom');
});

test('PUT cert/ca with blob-cert and an id stores it; GET by id or fingerprint answers it', async (t) => {
  const { upload, list } = await start(t);
  const ca = generateSelfSignedCertificate('Door CA');
  const put = await upload('/api/cert/ca?id=@door', { 'blob-cert': ca.certPem });
  assert.equal(put.body.success, true, put.text);
  const expected = new X509Certificate(ca.certPem);
  const listed = await list('/api/cert/ca');
  assert.deepEqual(listed, [
    {
      fingerprint: sha1(ca.certPem),
      subject: { O: 'Latchkey emulated intercom', CN: 'Door CA' },
      issuer: { O: 'Latchkey emulated intercom', CN: 'Door CA' },
      id: '@door',
      startDate: Math.floor(expected.validFromDate.getTime() / 1000),
      endDate: Math.floor(expected.validToDate.getTime() / 1000),
      protected: false,
      systemUseOnly: false,
    },
  ]);
  assert.deepEqual(await list('/api/cert/ca?id=@door'), listed);
  assert.deepEqual(await list(`/api/cert/ca?id=${sha1(ca.certPem)}`), listed);
  // Uploading under the same id replaces the certificate.
  const next = generateSelfSignedCertificate('Door CA 2');
  await upload('/api/cert/ca?id=door', { 'blob-cert': next.certPem });
  assert.deepEqual(
    (await list('/api/cert/ca')).map((c) => [c.id, c.subject.CN]),
    [['@door', 'Door CA 2']],
  );
});

test('a CA bundle of several PEM certificates, and a DER certificate, are accepted', async (t) => {
  const { upload, list } = await start(t);
  const [a, b, c] = ['A', 'B', 'C'].map((cn) => generateSelfSignedCertificate(cn));
  assert.equal(
    (await upload('/api/cert/ca', { 'blob-cert': `${a!.certPem}\n${b!.certPem}\n` })).body.success,
    true,
  );
  const der = new X509Certificate(c!.certPem).raw;
  assert.equal((await upload('/api/cert/ca', { 'blob-cert': der })).body.success, true);
  const listed = await list('/api/cert/ca');
  assert.deepEqual(listed.map((cert) => cert.subject.CN).sort(), ['A', 'B', 'C']);
  // Without an id, the fingerprint names the certificate.
  assert.ok(listed.every((cert) => cert.id === cert.fingerprint));
});

test('PUT cert/user with blob-cert and blob-pk stores it; the private key is never answered', async (t) => {
  const { upload, list, call } = await start(t);
  const client = generateSelfSignedCertificate('door-client');
  const put = await upload('/api/cert/user?id=@client', {
    'blob-cert': client.certPem,
    'blob-pk': client.keyPem,
  });
  assert.equal(put.body.success, true, put.text);
  assert.doesNotMatch(put.text, /PRIVATE KEY/);
  const listed = await list('/api/cert/user');
  assert.deepEqual(
    listed.map((c) => [c.id, c.protected]),
    [
      ['#self-signed', true],
      ['@client', false],
    ],
  );
  assert.doesNotMatch((await call('/api/cert/user')).text, /PRIVATE KEY/);
});

test("DELETE removes a certificate by id or fingerprint; the device's own cannot be deleted", async (t) => {
  const { upload, list, call } = await start(t);
  const ca = generateSelfSignedCertificate('Gone CA');
  const kept = generateSelfSignedCertificate('Kept CA');
  await upload('/api/cert/ca?id=@gone', { 'blob-cert': ca.certPem });
  await upload('/api/cert/ca?id=@kept', { 'blob-cert': kept.certPem });
  assert.deepEqual((await call('/api/cert/ca?id=@gone', { method: 'DELETE' })).body, {
    success: true,
  });
  assert.deepEqual(
    (await list('/api/cert/ca')).map((c) => c.id),
    ['@kept'],
  );
  await call(`/api/cert/ca?id=${sha1(kept.certPem)}`, { method: 'DELETE' });
  assert.deepEqual(await list('/api/cert/ca'), []);
  const own = errorOf((await call('/api/cert/user?id=%23self-signed', { method: 'DELETE' })).body);
  assert.deepEqual([own.code, own.param], [12, 'id']);
  assert.equal((await list('/api/cert/user')).length, 1);
});

test('attack: garbage, a missing or foreign key, a bad id or an unknown certificate are refused with param; nothing changes', async (t) => {
  const { upload, list, call, device } = await start(t);
  const client = generateSelfSignedCertificate('client');
  const other = generateSelfSignedCertificate('other');
  const before = structuredClone(device.config.current.certStore);
  const cases: Array<[Promise<{ body: Envelope }>, number, string]> = [
    [upload('/api/cert/ca', { 'blob-cert': 'not a certificate' }), 12, 'blob-cert'],
    [
      upload('/api/cert/ca', {
        'blob-cert': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      }),
      12,
      'blob-cert',
    ],
    [call('/api/cert/ca', { method: 'PUT' }), 11, 'blob-cert'],
    [upload('/api/cert/ca?id=@bad%20id', { 'blob-cert': client.certPem }), 12, 'id'],
    [upload('/api/cert/user', { 'blob-cert': client.certPem }), 11, 'blob-pk'],
    [
      upload('/api/cert/user', { 'blob-cert': client.certPem, 'blob-pk': other.keyPem }),
      12,
      'blob-pk',
    ],
    [
      upload('/api/cert/user', { 'blob-cert': client.certPem, 'blob-pk': 'garbage' }),
      12,
      'blob-pk',
    ],
    [upload('/api/cert/ca', { 'blob-pk': client.keyPem }), 12, 'blob-pk'],
    [call('/api/cert/ca?id=@nothing', { method: 'DELETE' }), 12, 'id'],
    [call('/api/cert/ca', { method: 'DELETE' }), 11, 'id'],
    [call('/api/cert/ca?id=@nothing'), 12, 'id'],
  ];
  for (const [index, [reply, code, param]] of cases.entries()) {
    const error = errorOf((await reply).body);
    assert.deepEqual([error.code, error.param], [code, param], `case ${index}`);
  }
  assert.deepEqual(device.config.current.certStore, before);
  assert.deepEqual(await list('/api/cert/ca'), []);
});

test('attack: more CA certificates than the store holds are refused with error 13; none is stored', async (t) => {
  const { upload, list } = await start(t);
  const bundle = Array.from(
    { length: 33 },
    (_, i) => generateSelfSignedCertificate(`CA ${i}`).certPem,
  ).join('\n');
  const error = errorOf((await upload('/api/cert/ca', { 'blob-cert': bundle })).body);
  assert.deepEqual([error.code, error.param], [13, 'blob-cert']);
  assert.deepEqual(await list('/api/cert/ca'), []);
});

test('uploaded certificates are kept in config.xml, and an older config.xml without them still loads', async (t) => {
  const { upload, device } = await start(t);
  const ca = generateSelfSignedCertificate('Kept CA');
  await upload('/api/cert/ca?id=@kept', { 'blob-cert': ca.certPem });
  const xml = configToXml(device.config.current);
  const reread = parseConfigXml(xml);
  assert.ok(reread.ok);
  assert.equal(reread.value.certStore.ca[0]!.id, '@kept');
  const older = parseConfigXml(xml.replace(/\s*<CertStore>[\s\S]*<\/CertStore>/, ''));
  assert.ok(older.ok, older.ok ? '' : older.message);
  assert.deepEqual(older.value.certStore, { ca: [], user: [] });
});

test('a factory reset keeps uploaded certificates; one with network settings and certificates removes them', async (t) => {
  const { upload, call, device } = await start(t);
  await upload('/api/cert/ca?id=@kept', {
    'blob-cert': generateSelfSignedCertificate('CA').certPem,
  });
  // The reset brings back the factory HTTP API (no accounts), so the rest is read directly.
  assert.equal((await call('/api/config/factoryreset', { method: 'POST' })).body.success, true);
  assert.deepEqual(
    device.certificates.list('ca').map((c) => c.id),
    ['@kept'],
  );
  await device.maintenance.factoryReset({ network: true });
  assert.deepEqual(device.certificates.list('ca'), []);
});
