import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCloud } from '../../src/cloud/cloud.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { postgresTestDialect } from '../helpers/databases.ts';
import { ApiClient } from '../helpers/http.ts';
import { devicesOf, party } from '../helpers/transfers.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver } from '../helpers/webhooks.ts';

const ROUNDS = 10;

describe('webhooks on two nodes of one PostgreSQL database', () => {
  it('makes every delivery once, whichever node queued it, with both nodes polling', async (t) => {
    // Both nodes poll often, so that they race for every delivery the other queued.
    const webhooks = { idlePollMs: 10, timeoutMs: 5000 };
    const one = await startTestCloud(t, postgresTestDialect, {
      webhooksAllowInsecure: true,
      webhooks,
    });
    const two = await startCloud({
      dataDir: one.database.dataDir,
      databaseUrl: one.database.databaseUrl,
      port: 0,
      host: '127.0.0.1',
      rollouts: { idlePollMs: null },
      webhooksAllowInsecure: true,
      webhooks,
    });
    t.after(() => two.close());
    const receiver = await startReceiver(t);
    const anna = await party(one, 'Anna');
    const made = await anna.client.post('/api/webhooks', {
      url: receiver.url,
      events: ['device.online', 'device.offline'],
    });
    assert.equal(made.status, 201, made.text);
    receiver.state.secret = made.body.secret;
    const onTwo = new ApiClient(two.url);
    onTwo.companyId = anna.company.id;
    onTwo.session = anna.client.session;
    onTwo.csrfToken = anna.client.csrfToken;
    const [device] = await devicesOf(one, anna, 1);
    const queued: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const node = i % 2 === 0 ? one : two;
      await node.services.deviceLink.presence(device!.serialNumber, i % 4 < 2);
      const test = await (i % 2 === 0 ? anna.client : onTwo).post(
        `/api/webhooks/${made.body.id}/test`,
      );
      assert.equal(test.status, 202, test.text);
      queued.push(test.body.id);
    }
    await waitFor('every test event', () =>
      queued.every((id) => receiver.state.all.some((r) => r.id === id)),
    );
    await one.webhookDispatcher.idle();
    await two.webhookDispatcher.idle();
    const rows = await one.store.db.selectFrom('webhook_deliveries').selectAll().execute();
    assert.ok(rows.length >= ROUNDS + 2, `${rows.length} deliveries`);
    await waitFor('all delivered', async () =>
      (await one.store.db.selectFrom('webhook_deliveries').select('state').execute()).every(
        (row) => row.state === 'delivered',
      ),
    );
    const ids = receiver.state.all.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no delivery was made twice');
    assert.equal(ids.length, rows.length);
    assert.ok(rows.every((row) => row.attempts === 1));
  });
});
