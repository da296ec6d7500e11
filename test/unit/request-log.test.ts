import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import Fastify, { LogController } from 'fastify';
import { installRequestIds, requestIdOf } from '../../src/cloud/http/request-id.ts';
import { ServiceLog } from '../../src/cloud/services/service-log.ts';

it("a service's line written during a request carries that request's id; outside one, none", async (t) => {
  const lines: { requestId?: string; msg: string; serial?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as (typeof lines)[number]);
      done();
    },
  });
  const app = Fastify({
    logger: { level: 'info', stream },
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
  });
  const log = new ServiceLog();
  log.attach(app.log);
  installRequestIds(app);
  app.get('/work', async () => {
    // After an await, as a service's line would be: the context follows the promise chain.
    await new Promise((resolve) => setImmediate(resolve));
    log.info({ serial: '54-0562-0293' }, 'service did something');
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const address = app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${address.port}/work`, {
    headers: { 'x-request-id': 'trace-42' },
  });
  assert.equal(response.headers.get('x-request-id'), 'trace-42');
  log.info({ serial: '54-0562-0293' }, 'background work');
  const service = lines.find((line) => line.msg === 'service did something');
  assert.equal(service?.requestId, 'trace-42');
  assert.equal(service?.serial, '54-0562-0293');
  const background = lines.find((line) => line.msg === 'background work');
  assert.ok(background);
  assert.equal(background.requestId, undefined);
});
