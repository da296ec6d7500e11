import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testDialects } from '../helpers/databases.ts';
import { createSite, registerAccount } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { freePort, spawnServe } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver } from '../helpers/webhooks.ts';

const EVENTS = 6;
// Short waits, and enough of them that nothing fails for good while the receiver is away.
const RETRIES = Array.from({ length: 60 }, () => 200).join(',');

for (const dialect of testDialects) {
  describe(`webhooks across a kill -9 (${dialect.name})`, () => {
    it('loses no delivery queued before the cloud was killed', async (t) => {
      const database = await dialect.create();
      t.after(() => database.drop());
      const args = [
        '--data',
        database.dataDir,
        ...(database.databaseUrl ? ['--database', database.databaseUrl] : []),
        '--webhooks-allow-insecure',
        '--webhooks-retry-ms',
        RETRIES,
      ];
      const first = await spawnServe(args, { env: { LOG_LEVEL: 'warn' } });
      t.after(() => first.stop('SIGKILL'));
      const anna = await registerAccount(first);
      await createSite(anna.client);
      // The receiver's port, closed for now: every attempt is refused.
      const port = await freePort();
      const made = await anna.client.post('/api/webhooks', {
        url: `http://127.0.0.1:${port}/hook`,
        events: ['device.added'],
      });
      assert.equal(made.status, 201, made.text);
      const queued: string[] = [];
      for (let i = 0; i < EVENTS; i++) {
        const test = await anna.client.post(`/api/webhooks/${made.body.id}/test`);
        assert.equal(test.status, 202, test.text);
        queued.push(test.body.id);
      }
      await waitFor('a refused attempt', async () => {
        const log = await anna.client.get(`/api/webhooks/${made.body.id}/deliveries`);
        return log.body.items.some((d: { attempts: number }) => d.attempts > 0);
      });
      await first.stop('SIGKILL');

      const second = await spawnServe(args, { env: { LOG_LEVEL: 'warn' } });
      t.after(() => second.stop('SIGKILL'));
      const receiver = await startReceiver(t, port);
      receiver.state.secret = made.body.secret;
      await waitFor('every queued delivery', () => receiver.distinct().length >= EVENTS, 30_000);
      assert.equal(receiver.state.rejected, 0);
      // Duplicates by id are allowed (a lease of the killed node may have been in flight).
      assert.deepEqual(
        receiver.distinct().map((r) => r.id),
        queued,
      );
      const client = new ApiClient(second.url);
      client.session = anna.client.session;
      client.csrfToken = anna.client.csrfToken;
      const log = await client.get(`/api/webhooks/${made.body.id}/deliveries`);
      assert.equal(log.status, 200, log.text);
      await waitFor('the log to say delivered', async () => {
        const now = await client.get(`/api/webhooks/${made.body.id}/deliveries`);
        return now.body.items.every((d: { state: string }) => d.state === 'delivered');
      });
    });
  });
}
