import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, TestClock } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, type ApiClient } from '../helpers/http.ts';

/** A claim as it arrives through a reverse proxy that sets X-Forwarded-For. */
function claimVia(
  client: ApiClient,
  siteId: string,
  device: { serialNumber: string; securityCode: string },
  forwardedFor: string,
) {
  return client.post(
    `/api/sites/${siteId}/devices`,
    { serialNumber: device.serialNumber, securityCode: device.securityCode },
    { headers: { 'x-forwarded-for': forwardedFor } },
  );
}

const unknown = { serialNumber: '00-0000-0001', securityCode: 'ABCDEFGHJKMNPQRS' };

for (const dialect of testDialects) {
  describe(`behind a reverse proxy (${dialect.name})`, () => {
    it('takes the client address from the last X-Forwarded-For entry with trustProxy', async (t) => {
      const cloud = await startTestCloud(t, dialect, { clock: new TestClock(), trustProxy: true });
      const [device] = await mintDevices(cloud, 1);
      // Ten failures from one forwarded address, over two accounts (five each).
      for (const name of ['First', 'Second']) {
        const account = await registerAccount(cloud, { name });
        const site = await createSite(account.client);
        for (let i = 0; i < 5; i++) {
          // What a client writes into the header itself comes first and is not believed.
          const forwarded = `198.51.100.${i}, 203.0.113.7`;
          assertErrorBody(
            await claimVia(account.client, site.id, unknown, forwarded),
            404,
            'SERIAL_NOT_FOUND',
          );
        }
        const audit = await account.client.get(`/api/sites/${site.id}/audit`);
        assert.deepEqual(
          new Set(audit.body.items.map((e: { ip: string }) => e.ip)),
          new Set(['203.0.113.7']),
        );
      }
      const third = await registerAccount(cloud, { name: 'Third' });
      const site = await createSite(third.client);
      assertErrorBody(
        await claimVia(third.client, site.id, device!, '203.0.113.7'),
        429,
        'TOO_MANY_ATTEMPTS',
      );
      // Another client behind the same proxy is not locked out.
      const ok = await claimVia(third.client, site.id, device!, '203.0.113.8');
      assert.equal(ok.status, 201, ok.text);
    });

    it('ignores X-Forwarded-For without trustProxy', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const account = await registerAccount(cloud);
      const site = await createSite(account.client);
      assertErrorBody(
        await claimVia(account.client, site.id, unknown, '203.0.113.7'),
        404,
        'SERIAL_NOT_FOUND',
      );
      const audit = await account.client.get(`/api/sites/${site.id}/audit`);
      assert.equal(audit.body.items[0].ip, '127.0.0.1');
    });
  });
}
