import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { MAX_OUTBOX_MESSAGES, OUTBOX_FOLDER } from '../../../src/device/email.service.ts';
import { basic, startTestDevice, type Envelope } from '../helpers.ts';

// 2N HTTP API §5.12.1 api/email/send: without SMTP, the message is written to <data>/outbox/.

const USER = 'integrator';
const PASS = 'api-pass-1';

async function start(t: TestContext) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const outbox = join(running.dataDir, OUTBOX_FOLDER);
  /** GET with the query, or POST with it as a form (§5.12.1 takes both) for long values. */
  const send = async (query: string, authorization = basic(USER, PASS)) => {
    const post = query.length > 4000;
    const response = await fetch(`${running.url}/api/email/send${post ? '' : `?${query}`}`, {
      method: post ? 'POST' : 'GET',
      headers: {
        authorization,
        ...(post && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(post && { body: query }),
    });
    return (await response.json()) as Envelope;
  };
  const messages = async () => {
    try {
      return (await readdir(outbox)).filter((name) => name.endsWith('.eml')).sort();
    } catch {
      return [];
    }
  };
  const read = async (name: string) => readFile(join(outbox, name), 'utf8');
  return { ...running, outbox, send, messages, read };
}

function error(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}

/** The parts of a multipart/mixed message, each as [headers, decoded body]. */
function parts(eml: string): Array<[string, Buffer]> {
  const boundary = /boundary="([^"]+)"/.exec(eml)![1]!;
  return eml
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const text = part.replace(/^\r\n/, '').replace(/\r\n$/, '');
      const split = text.indexOf('\r\n\r\n');
      const body = text.slice(split + 4).replace(/\r\n/g, '');
      return [text.slice(0, split), Buffer.from(body, 'base64')];
    });
}

test('email/send as in the manual example writes one message with its headers and body to the outbox', async (t) => {
  const { send, messages, read } = await start(t);
  assert.deepEqual(await send('to=somebody@email.com&subject=Hello&body=Hello'), { success: true });
  const [name] = await messages();
  const eml = await read(name!);
  assert.match(eml, /^From: 2N IP Verso <intercom@2N-IP-\w+>\r\n/);
  assert.match(eml, /\r\nTo: somebody@email\.com\r\n/);
  assert.match(eml, /\r\nSubject: Hello\r\n/);
  assert.match(eml, /\r\nMIME-Version: 1\.0\r\n/);
  const [[headers, body]] = parts(eml) as [[string, Buffer]];
  assert.match(headers, /text\/html; charset=utf-8/);
  assert.equal(body.toString('utf8'), 'Hello');
});

test('email/send over POST with HTML, non-ASCII subject, several recipients and camera pictures', async (t) => {
  const { url, messages, read } = await start(t);
  const form = new URLSearchParams({
    to: 'a@example.com, b@example.org',
    subject: 'Zvonek u dveří',
    body: '<p>Someone <b>rang</b>.</p>',
    pictureCount: '2',
    timeSpan: '4',
    width: '320',
    height: '240',
  });
  const response = await fetch(`${url}/api/email/send`, {
    method: 'POST',
    headers: { authorization: basic(USER, PASS) },
    body: form,
  });
  assert.deepEqual(await response.json(), { success: true });
  const eml = await read((await messages())[0]!);
  assert.match(eml, /\r\nTo: a@example\.com, b@example\.org\r\n/);
  const subject = /\r\nSubject: =\?UTF-8\?B\?([^?]+)\?=\r\n/.exec(eml)![1]!;
  assert.equal(Buffer.from(subject, 'base64').toString('utf8'), 'Zvonek u dveří');
  const [text, ...pictures] = parts(eml);
  assert.equal(text![1].toString('utf8'), '<p>Someone <b>rang</b>.</p>');
  assert.equal(pictures.length, 2);
  for (const [headers, jpeg] of pictures) {
    assert.match(headers, /image\/jpeg/);
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
  }
});

test('email/send without a body sends an empty message; the outbox keeps the last messages only', async (t) => {
  const { send, messages, read } = await start(t);
  for (let i = 0; i < MAX_OUTBOX_MESSAGES + 3; i++) {
    assert.deepEqual(await send(`to=n${i}@example.com&subject=Test`), { success: true });
  }
  const names = await messages();
  assert.equal(names.length, MAX_OUTBOX_MESSAGES);
  assert.equal(parts(await read(names[0]!))[0]![1].length, 0);
});

test('email/send needs email.control', async (t) => {
  const { device, send, messages } = await start(t);
  await device.accounts.provisionIntegratorAccount('other', 'other-pass-1');
  const other = device.accounts.apiAccounts().find((a) => a.username === 'other')!;
  await device.config.update('test: camera-only account', (draft) => {
    draft.httpApi.accounts.find((a) => a.id === other.id)!.privileges = ['camera.monitor'];
  });
  const refused = await send('to=a@example.com&subject=Hi', basic('other', 'other-pass-1'));
  assert.equal(error(refused).code, 10);
  assert.deepEqual(await messages(), []);
});

test('attack: bad addresses, header injection and out-of-range parameters are refused with param; nothing is written', async (t) => {
  const { send, messages } = await start(t);
  const ok = 'to=a@example.com&subject=Hi';
  const cases: Array<[string, number, string]> = [
    ['subject=Hi', 11, 'to'],
    ['to=a@example.com', 11, 'subject'],
    ['to=&subject=Hi', 11, 'to'],
    ['to=not-an-address&subject=Hi', 12, 'to'],
    ['to=a@example.com%0D%0ABcc:%20victim@example.com&subject=Hi', 12, 'to'],
    ['to=%3Ca@example.com%3E&subject=Hi', 12, 'to'],
    [`to=${'a,'.repeat(5)}&subject=Hi`, 12, 'to'],
    [
      `to=${Array.from({ length: 11 }, (_, i) => `u${i}@example.com`).join(',')}&subject=Hi`,
      12,
      'to',
    ],
    [`to=${'a'.repeat(250)}@example.com&subject=Hi`, 12, 'to'],
    ['to=a@example.com&subject=Hi%0D%0ABcc:%20victim@example.com', 12, 'subject'],
    [`to=a@example.com&subject=${'s'.repeat(256)}`, 12, 'subject'],
    [`${ok}&body=${'b'.repeat(64 * 1024 + 1)}`, 12, 'body'],
    [`${ok}&pictureCount=6`, 12, 'pictureCount'],
    [`${ok}&pictureCount=-1`, 12, 'pictureCount'],
    [`${ok}&pictureCount=two`, 12, 'pictureCount'],
    [`${ok}&timeSpan=-5`, 12, 'timeSpan'],
    [`${ok}&timeSpan=3601`, 12, 'timeSpan'],
    [`${ok}&pictureCount=1&width=100&height=100`, 12, 'width'],
    [`${ok}&pictureCount=1&width=320`, 11, 'height'],
    [`${ok}&pictureCount=1&height=240`, 11, 'width'],
  ];
  for (const [query, code, param] of cases) {
    const failure = error(await send(query));
    assert.deepEqual([failure.code, failure.param], [code, param], query.slice(0, 80));
  }
  assert.deepEqual(await messages(), []);
});
