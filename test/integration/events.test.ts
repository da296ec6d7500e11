import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, codeFor, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { requestEventStream } from '../helpers/event-stream.ts';
import { waitFor } from '../helpers/wait.ts';

/** An open GET /api/events stream of one person; `text` grows as events arrive. */
async function openStream(url: string, client: ApiClient) {
  const stream = await requestEventStream(url, client);
  assert.equal(stream.response.status, 200);
  assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
  return stream;
}

/** The data of the `device` events received so far. */
const deviceEvents = (text: string) =>
  [...text.matchAll(/^event: device\ndata: (.*)$/gm)].map(
    (m) => JSON.parse(m[1]!) as { serialNumber: string; siteId: string },
  );

for (const dialect of testDialects) {
  describe(`live updates for the portal (${dialect.name})`, () => {
    it('refuses a request without a session', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const response = await new ApiClient(cloud.url).get('/api/events');
      assert.equal(response.status, 401);
      assert.equal(response.body.error.code, 'UNAUTHENTICATED');
    });

    it('tells a person when their device comes online and goes offline, and no other tenant', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const boris = await registerAccount(cloud);
      const site = await createSite(anna.client);
      const [device] = await mintDevices(cloud, 1);
      assert.ok(device);
      const added = await claim(anna.client, site.id, device.serialNumber, codeFor(device, 0));
      assert.equal(added.status, 201, added.text);

      const listeners = cloud.events.listenerCount('device-updated');
      const annaStream = await openStream(cloud.url, anna.client);
      const borisStream = await openStream(cloud.url, boris.client);
      t.after(() => {
        annaStream.close();
        borisStream.close();
      });
      // Streams share one listener on the event bus (no listener-limit warnings with many tabs).
      assert.equal(cloud.events.listenerCount('device-updated'), listeners);

      const emulator = await startLinkedEmulator(t, device, cloud.url);
      // Auto Provisioning tells of the device too (its sync state): online is asked of the API.
      const online = async () =>
        (await anna.client.get(`/api/sites/${site.id}/devices`)).body.items[0].online as boolean;
      await waitFor('online', async () => emulator.link.connected && (await online()), 10_000);
      await cloud.services.autoProvisioning.idle();
      await waitFor('the online event', () => deviceEvents(annaStream.text).length > 0, 10_000);
      assert.deepEqual(deviceEvents(annaStream.text)[0], {
        serialNumber: device.serialNumber,
        siteId: site.id,
      });
      const before = deviceEvents(annaStream.text).length;
      await emulator.link.stop();
      await waitFor('offline', async () => !(await online()), 10_000);
      await waitFor(
        'the offline event',
        () => deviceEvents(annaStream.text).length > before,
        10_000,
      );
      assert.deepEqual(deviceEvents(borisStream.text), []);
      assert.match(borisStream.text, /: connected/);
      // The cloud closes with streams still open (t.after), without waiting for them.
    });
  });
}
