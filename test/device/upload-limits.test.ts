import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { makeFirmwareImage } from '../../src/core/firmware.format.ts';
import { basic, residentKiB, startDeviceProcess } from './helpers.ts';

const USER = 'integrator';
const PASS = 'api-pass-1';
const BIG = 32 * 1024 * 1024;

/** Sends `length` bytes of zeros as the body, without holding them in memory, and reads the answer. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  length: number,
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method, headers: { ...headers, 'content-length': String(length) } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < length) {
        const n = Math.min(chunk.length, length - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    // Stop sending once the device has answered: it refused the body.
    req.on('response', () => {
      sent = length;
    });
    pump();
  });
}

test('anonymous 32 MiB uploads are refused from their size and barely grow the device process; an authenticated upload works', async (t) => {
  const { url, pid } = await startDeviceProcess(t, `${USER}:${PASS}`);
  const multipart = { 'content-type': 'multipart/form-data; boundary=x' };
  const attacks = [
    { method: 'PUT', path: '/api/firmware', headers: multipart, expect: 'code 13' },
    { method: 'PUT', path: '/api/config', headers: multipart, expect: 'code 13' },
    {
      method: 'PUT',
      path: '/api/config',
      headers: { 'content-type': 'application/xml' },
      expect: 'code 13',
    },
    {
      method: 'POST',
      path: '/classic/maintenance/load',
      headers: multipart,
      expect: 'status 413',
    },
    {
      method: 'POST',
      path: '/classic/maintenance/firmware',
      headers: multipart,
      expect: 'status 413',
    },
    { method: 'POST', path: '/admin/api/restore', headers: multipart, expect: 'status 413' },
    {
      method: 'PUT',
      path: '/admin/api/firmware',
      headers: { 'content-type': 'application/octet-stream' },
      expect: 'status 413',
    },
  ];
  // Warm up the paths once so the baseline includes the code they load.
  await Promise.all(attacks.map((a) => send(url, a.method, a.path, a.headers, 1024)));
  const before = await residentKiB(pid);
  let peak = before;
  const sampler = setInterval(() => {
    void residentKiB(pid).then((kib) => (peak = Math.max(peak, kib)));
  }, 20);
  const answers = await Promise.all(
    [...attacks, ...attacks].map((a) => send(url, a.method, a.path, a.headers, BIG)),
  );
  clearInterval(sampler);
  const after = await residentKiB(pid);
  peak = Math.max(peak, after);
  t.diagnostic(
    `device RSS before ${before} KiB, peak ${peak} KiB, after ${after} KiB (+${peak - before} KiB) for ${answers.length} parallel 32 MiB uploads`,
  );
  for (const [i, answer] of answers.entries()) {
    const attack = [...attacks, ...attacks][i]!;
    if (attack.expect === 'code 13') {
      const envelope = JSON.parse(answer.body) as { error: { code: number; hint: string } };
      assert.equal(envelope.error.code, 13, attack.path);
      assert.match(envelope.error.hint, /before authentication the device accepts at most 65536/);
    } else {
      assert.equal(answer.status, 413, `${attack.method} ${attack.path}`);
    }
  }
  // Buffered whole, the uploads would need answers.length × 32 MiB; garbage from discarded
  // chunks is all that may show, so a quarter of that is far above what the device uses now.
  const buffered = (answers.length * BIG) / 1024;
  assert.ok(peak - before < buffered / 4, `the device grew by ${peak - before} KiB`);

  const auth = { authorization: basic(USER, PASS) };
  const config = await fetch(`${url}/api/config`, { headers: auth });
  const xml = (await config.text()).replace(
    '<SpeakerVolume>7</SpeakerVolume>',
    '<SpeakerVolume>4</SpeakerVolume>',
  );
  const form = new FormData();
  form.append('blob-cfg', new Blob([xml]), 'config.xml');
  const restored = await fetch(`${url}/api/config`, { method: 'PUT', body: form, headers: auth });
  assert.deepEqual(await restored.json(), { success: true });
  const firmware = new FormData();
  firmware.append(
    'blob-fw',
    new Blob([
      makeFirmwareImage({ model: '2N IP Verso', version: '2.41.0.12' }, Buffer.alloc(200 * 1024)),
    ]),
    'fw.bin',
  );
  const uploaded = await fetch(`${url}/api/firmware`, {
    method: 'PUT',
    body: firmware,
    headers: auth,
  });
  const body = (await uploaded.json()) as { success: boolean };
  assert.equal(body.success, true, JSON.stringify(body));
});
