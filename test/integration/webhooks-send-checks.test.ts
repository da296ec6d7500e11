import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';

/** A TCP listener on loopback that counts the connections made to it, and answers none. */
async function countingListener(t: { after(fn: () => Promise<void>): void }) {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { port, connections: () => connections };
}

/**
 * URLs an endpoint may come to hold after its save-time check: a name re-pointed inside, or
 * what --webhooks-allow-insecure allowed before the operator turned it off.
 */
const STORED = [
  {
    what: 'a host name that now resolves to loopback (DNS rebinding)',
    // "localhost" is answered by the system resolver (getaddrinfo, /etc/hosts) with 127.0.0.1
    // and ::1, as a re-pointed DNS record would be.
    url: (port: number) => `https://localhost:${port}/hook`,
    error: 'EWEBHOOKFORBIDDEN',
  },
  {
    what: 'a loopback address saved while insecure URLs were allowed',
    url: (port: number) => `https://127.0.0.1:${port}/hook`,
    error: 'EWEBHOOKFORBIDDEN',
  },
  {
    what: 'a plain http:// URL saved while insecure URLs were allowed',
    url: (port: number) => `http://localhost:${port}/hook`,
    error: 'EWEBHOOKINSECURE',
  },
];

for (const dialect of testDialects) {
  describe(`webhooks checked again at send time (${dialect.name})`, () => {
    for (const stored of STORED) {
      it(`refuses ${stored.what}, though its endpoint passed when saved: no connection is made`, async (t) => {
        const cloud = await startTestCloud(t, dialect, {
          webhooks: { retryScheduleMs: [30, 30], timeoutMs: 2000 },
        });
        const inside = await countingListener(t);
        const anna = await registerAccount(cloud);
        // Saved while its host is public (an address literal, so no resolver is needed here).
        const made = await anna.client.post('/api/webhooks', {
          url: 'https://93.184.215.14/hook',
          events: ['device.added'],
        });
        assert.equal(made.status, 201, made.text);
        // The store keeps only the URL: the row is what a re-point or the flag changed.
        await cloud.store.db
          .updateTable('webhook_endpoints')
          .set({ url: stored.url(inside.port) })
          .where('id', '=', made.body.id)
          .execute();

        const sent = await anna.client.post(`/api/webhooks/${made.body.id}/test`);
        assert.equal(sent.status, 202, sent.text);
        // An attempt counts when it starts (the lease); its outcome is recorded when it ends.
        type Delivery = { lastError: string | null; lastStatus: number | null };
        const refused = await waitFor('an attempt refused before it connects', async () => {
          const list = await anna.client.get(`/api/webhooks/${made.body.id}/deliveries`);
          const delivery = (list.body.items as Delivery[])[0];
          return delivery && (delivery.lastError ?? delivery.lastStatus) !== null ? delivery : null;
        });
        assert.equal(refused.lastError, stored.error, JSON.stringify(refused));
        assert.equal(inside.connections(), 0, 'the cloud connected inside');
      });
    }
  });
}
