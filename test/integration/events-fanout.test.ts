import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { claim, codeFor, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import type { ApiClient } from '../helpers/http.ts';
import { requestEventStream } from '../helpers/event-stream.ts';
import { waitFor } from '../helpers/wait.ts';

const EVENTS = 20;

async function openStream(url: string, client: ApiClient) {
  const stream = await requestEventStream(url, client);
  if (stream.response.status !== 200) assert.fail(await stream.response.text());
  return stream;
}

const deviceEvents = (text: string) => [...text.matchAll(/^event: device$/gm)].length;

/** A person with one claimed device and a stream of their own. */
async function ownerWithDevice(cloud: TestCloud) {
  const owner = await registerAccount(cloud);
  const site = await createSite(owner.client);
  const [device] = await mintDevices(cloud, 1);
  assert.ok(device);
  const added = await claim(owner.client, site.id, device.serialNumber, codeFor(device, 0));
  assert.equal(added.status, 201, added.text);
  const stream = await openStream(cloud.url, owner.client);
  return { owner, site, device, stream };
}

/**
 * Emits `EVENTS` updates of the device on the bus the device link emits on, waits until the
 * owner's stream has them all, and returns the statements the store ran meanwhile per event.
 */
async function statementsPerEvent(
  cloud: TestCloud,
  serialNumber: string,
  ownerStream: { text: string },
) {
  const received = deviceEvents(ownerStream.text);
  const before = cloud.store.statementCount();
  const cpu = process.cpuUsage();
  for (let i = 0; i < EVENTS; i++) cloud.events.emit('device-updated', { serialNumber });
  await waitFor(
    'the owner to receive every event',
    () => deviceEvents(ownerStream.text) >= received + EVENTS,
    20_000,
  );
  const used = process.cpuUsage(cpu);
  return {
    perEvent: (cloud.store.statementCount() - before) / EVENTS,
    cpuMs: (used.user + used.system) / 1000,
  };
}

for (const dialect of testDialects) {
  describe(`live updates at scale (${dialect.name})`, () => {
    it('costs the same statements per event with 300 open streams of another tenant as with 1, and tells that tenant nothing', async (t) => {
      const cloud = await startTestCloud(t, dialect, { eventStreamsPerPerson: 300 });
      const { device, stream: ownerStream } = await ownerWithDevice(cloud);
      const mallory = await registerAccount(cloud);
      const streams = [await openStream(cloud.url, mallory.client)];
      t.after(() => {
        ownerStream.close();
        for (const stream of streams) stream.close();
      });

      const one = await statementsPerEvent(cloud, device.serialNumber, ownerStream);
      while (streams.length < 300) streams.push(await openStream(cloud.url, mallory.client));
      const many = await statementsPerEvent(cloud, device.serialNumber, ownerStream);

      t.diagnostic(
        `statements per event: ${one.perEvent} with 1 stream, ${many.perEvent} with 300; CPU for ${EVENTS} events: ${one.cpuMs.toFixed(1)} ms and ${many.cpuMs.toFixed(1)} ms`,
      );
      assert.equal(one.perEvent, 1);
      assert.equal(many.perEvent, one.perEvent);
      for (const stream of streams) {
        assert.equal(deviceEvents(stream.text), 0);
        assert.doesNotMatch(stream.text, new RegExp(device.serialNumber));
      }
    });

    it('refuses the eleventh stream of one person with 429 until one of the ten closes', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const boris = await registerAccount(cloud);
      const streams: Awaited<ReturnType<typeof requestEventStream>>[] = [];
      t.after(() => {
        for (const stream of streams) stream.close();
      });
      for (let i = 0; i < 10; i++) streams.push(await openStream(cloud.url, anna.client));

      const refused = await requestEventStream(cloud.url, anna.client);
      assert.equal(refused.response.status, 429);
      const body = (await refused.response.json()) as { error: { code: string; cause: string } };
      assert.equal(body.error.code, 'TOO_MANY_STREAMS');
      assert.match(body.error.cause, /at most 10/);
      // The limit is per person: another person still gets a stream.
      streams.push(await openStream(cloud.url, boris.client));

      streams[0]!.close();
      const reopened = await waitFor('a freed slot', async () => {
        const attempt = await requestEventStream(cloud.url, anna.client);
        if (attempt.response.status === 200) return attempt;
        assert.equal(attempt.response.status, 429);
        return null;
      });
      streams.push(reopened);
      const again = await requestEventStream(cloud.url, anna.client);
      assert.equal(again.response.status, 429);
    });
  });
}
