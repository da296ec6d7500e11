import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { brokerSettings, connectToBroker } from '../../src/cloud/link/broker.transport.ts';
import { MosquittoDynsec } from '../../src/cloud/link/mosquitto-dynsec.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import { deviceClientId, deviceTopic } from '../../src/core/link.protocol.ts';
import { deriveLinkPassword } from '../../src/core/security-code.rules.ts';
import type { SerialNumber } from '../../src/core/serial.rules.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { postgresTestDialect, sqliteTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { mintDevices } from '../helpers/factories.ts';
import { spawnCli } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';
import { startTestBroker, type TestBroker } from './mosquitto.ts';

async function device(cloud: TestCloud, serial: string) {
  return cloud.store.db
    .selectFrom('devices')
    .selectAll()
    .where('serial_number', '=', serial)
    .executeTakeFirstOrThrow();
}

/** A cloud node on PostgreSQL using the test's Mosquitto, provisioning every 100 ms. */
async function brokerCloud(t: Parameters<typeof startTestBroker>[0], broker: TestBroker) {
  return startTestCloud(t, postgresTestDialect, {
    brokerUrl: broker.adminUrl,
    brokerProvisionIntervalMs: 100,
  });
}

/** Waits until a node recorded the device's login as provisioned on the broker. */
async function provisioned(cloud: TestCloud, serial: string) {
  await waitFor('the device login on the broker', () =>
    cloud.store.db
      .selectFrom('broker_accounts')
      .select('serial_number')
      .where('serial_number', '=', serial)
      .executeTakeFirst(),
  );
}

function connect(url: string, username: string, password: string) {
  return mqtt.connectAsync(
    url,
    {
      protocolVersion: 4,
      clientId: deviceClientId(username),
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    },
    false,
  );
}

describe('external broker: the broker keeps devices to their own topics', () => {
  it('refuses wrong credentials and unknown devices', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    const [minted] = await mintDevices(cloud, 1);
    await provisioned(cloud, minted!.serialNumber);

    await assert.rejects(connect(broker.url, minted!.serialNumber, 'not-the-password'), (error) => {
      // MQTT 3.1.1 §3.2.2.3: 4 bad user name or password, 5 not authorised.
      assert.match(String(error), /Not authorized|Bad username or password/i);
      return true;
    });
    await assert.rejects(
      connect(
        broker.url,
        '00-0000-0000',
        deriveLinkPassword(minted!.secret, '00-0000-0000' as never),
      ),
    );
    // The right login works.
    const client = await connect(
      broker.url,
      minted!.serialNumber,
      deriveLinkPassword(minted!.secret, minted!.serialNumber),
    );
    await client.endAsync();
  });

  it('lets a device neither publish under another serial nor read its commands', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    const [mallory, victim] = await mintDevices(cloud, 2);
    await provisioned(cloud, mallory!.serialNumber);
    await provisioned(cloud, victim!.serialNumber);
    const client = await connect(
      broker.url,
      mallory!.serialNumber,
      deriveLinkPassword(mallory!.secret, mallory!.serialNumber),
    );
    t.after(() => client.endAsync(true));

    // Subscribing to another device's commands, or to every device, is refused (0x80).
    for (const filter of [deviceTopic(victim!.serialNumber, 'commands'), 'devices/#']) {
      await assert.rejects(client.subscribeAsync(filter, { qos: 1 }), /Subscribe error/);
    }

    // Publishing under the victim's serial reaches nobody: the broker drops it.
    const state = (generation: number) =>
      JSON.stringify({ model: 'x', firmware: 'evil', codeGeneration: generation, uptime: 1 });
    await client.publishAsync(deviceTopic(victim!.serialNumber, 'state'), state(9), { qos: 1 });
    await client.publishAsync(
      deviceTopic(victim!.serialNumber, 'events'),
      JSON.stringify({ type: 'code-regenerated', generation: 9 }),
      { qos: 1 },
    );
    await client.publishAsync(deviceTopic(victim!.serialNumber, 'presence'), '{"online":true}', {
      qos: 1,
    });
    // Its own state goes through, after the others: once it is in, the others had their chance.
    await client.publishAsync(deviceTopic(mallory!.serialNumber, 'state'), state(4), { qos: 1 });
    await waitFor(
      'the device’s own state',
      async () => (await device(cloud, mallory!.serialNumber)).known_generation === 4,
    );
    const untouched = await device(cloud, victim!.serialNumber);
    assert.equal(untouched.known_generation, 0);
    assert.equal(untouched.online, 0);
    assert.equal(untouched.firmware, null);
  });
});

/** Mallory logs in with the victim's client id, three times: refused every time. */
async function assertTakeoverRefused(
  broker: TestBroker,
  mallory: MintedDevice,
  victim: MintedDevice,
) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const takeover = mqtt.connectAsync(
      broker.url,
      {
        protocolVersion: 4,
        clientId: deviceClientId(victim.serialNumber),
        username: mallory.serialNumber,
        password: deriveLinkPassword(mallory.secret, mallory.serialNumber),
        reconnectPeriod: 0,
        connectTimeout: 5000,
      },
      false,
    );
    // MQTT 3.1.1 §3.2.2.3: Mosquitto answers a client id the login is not bound to with 5.
    await assert.rejects(takeover, /Not authorized|Identifier rejected/i);
  }
}

/** The victim's own connection, counting how often the broker dropped it. */
async function holdLink(t: TestContext, broker: TestBroker, victim: MintedDevice) {
  const client = await connect(
    broker.url,
    victim.serialNumber,
    deriveLinkPassword(victim.secret, victim.serialNumber),
  );
  t.after(() => client.endAsync(true));
  const held = { client, dropped: 0 };
  client.on('close', () => held.dropped++);
  return held;
}

async function assertStillLinked(held: Awaited<ReturnType<typeof holdLink>>, serial: string) {
  // A round trip after the attempts: had one taken over, the victim would be gone by now.
  await held.client.publishAsync(deviceTopic(serial, 'presence'), '{"online":true}', { qos: 1 });
  assert.equal(held.dropped, 0, 'the victim kept its connection');
  assert.equal(held.client.connected, true);
}

describe('external broker: client ids', () => {
  it('refuses a device logging in with another device’s client id, and the victim stays linked', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    const [mallory, victim] = await mintDevices(cloud, 2);
    await provisioned(cloud, mallory!.serialNumber);
    await provisioned(cloud, victim!.serialNumber);
    const held = await holdLink(t, broker, victim!);

    await assertTakeoverRefused(broker, mallory!, victim!);
    // Mallory's own client id still works: what was refused was the id, not the login.
    const own = await connect(
      broker.url,
      mallory!.serialNumber,
      deriveLinkPassword(mallory!.secret, mallory!.serialNumber),
    );
    await own.endAsync();
    await assertStillLinked(held, victim!.serialNumber);
  });

  it('binds logins made before client ids were bound once the nodes provision them again', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    const [mallory, victim] = await mintDevices(cloud, 2);
    await provisioned(cloud, mallory!.serialNumber);
    await provisioned(cloud, victim!.serialNumber);
    // As an earlier version left them: logins without a client id.
    const admin = await connectToBroker(brokerSettings(broker.adminUrl), 'test-admin');
    t.after(() => admin.endAsync(true));
    await new MosquittoDynsec(admin).run(
      [mallory!, victim!].map((device) => ({
        command: 'setClientId',
        username: device.serialNumber,
      })),
    );
    const unbound = await mqtt.connectAsync(
      broker.url,
      {
        protocolVersion: 4,
        clientId: deviceClientId(victim!.serialNumber),
        username: mallory!.serialNumber,
        password: deriveLinkPassword(mallory!.secret, mallory!.serialNumber),
        reconnectPeriod: 0,
      },
      false,
    );
    await unbound.endAsync();

    // What migration 0004_mqtt_bind_client_ids does: the nodes provision every login again.
    await cloud.store.db.deleteFrom('broker_accounts').execute();
    await provisioned(cloud, mallory!.serialNumber);
    await provisioned(cloud, victim!.serialNumber);
    const held = await holdLink(t, broker, victim!);
    await assertTakeoverRefused(broker, mallory!, victim!);
    await assertStillLinked(held, victim!.serialNumber);
  });
});

describe('external broker: presence from several nodes', () => {
  it('believes an offline only when the device does not answer', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    const [minted] = await mintDevices(cloud, 1);
    await provisioned(cloud, minted!.serialNumber);
    const emulator = await startLinkedEmulator(t, minted!, broker.url);
    await waitFor('online', async () => (await device(cloud, minted!.serialNumber)).online === 1);

    // A stale offline (as a will handled late by another node) while the device is connected.
    const stale = await connect(
      broker.url,
      minted!.serialNumber,
      deriveLinkPassword(minted!.secret, minted!.serialNumber),
    );
    await stale.publishAsync(deviceTopic(minted!.serialNumber, 'presence'), '{"online":false}', {
      qos: 1,
    });
    await stale.endAsync();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await device(cloud, minted!.serialNumber)).online, 1, 'still online');

    // The device going away for real is believed (after the unanswered check).
    await emulator.link.stop();
    await waitFor(
      'offline',
      async () => (await device(cloud, minted!.serialNumber)).online === 0,
      5000,
    );
  });
});

describe('--broker settings', () => {
  it('reads the login from the URL, else from the environment, and names the broker without it', () => {
    assert.deepEqual(brokerSettings('mqtt://cloud:s%40cret@broker.example:1884', {}), {
      url: 'mqtt://broker.example:1884',
      username: 'cloud',
      password: 's@cret',
      key: 'broker.example:1884',
    });
    const fromEnv = brokerSettings('mqtt://broker.example', {
      LATCHKEY_BROKER_USERNAME: 'cloud',
      LATCHKEY_BROKER_PASSWORD: 'pw',
    });
    assert.equal(fromEnv.username, 'cloud');
    assert.equal(fromEnv.password, 'pw');
    assert.equal(fromEnv.key, 'broker.example:1883');
    assert.throws(() => brokerSettings('mqtt://broker.example', {}), /LATCHKEY_BROKER_USERNAME/);
    assert.throws(() => brokerSettings('http://broker.example', {}), /mqtt:\/\//);
  });
});

describe('latchkey mint --broker', () => {
  it('creates the devices’ broker logins at once, before any cloud node runs', async (t) => {
    const broker = await startTestBroker(t);
    const database = await postgresTestDialect.create();
    t.after(() => database.drop());
    const run = spawnCli(
      [
        'mint',
        ...['--count', '2', '--out', join(database.dataDir, 'out'), '--no-certificate', '--json'],
        ...['--database', database.databaseUrl!, '--data', database.dataDir],
        ...['--broker', broker.adminUrl],
      ],
      { env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('hex') } },
    );
    let stdout = '';
    run.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    assert.equal(await new Promise((resolve) => run.child.once('exit', resolve)), 0, run.output());
    for (const { identityFile } of JSON.parse(stdout) as { identityFile: string }[]) {
      const identity = JSON.parse(readFileSync(identityFile, 'utf8')) as {
        serialNumber: SerialNumber;
        secret: string;
      };
      const client = await connect(
        broker.url,
        identity.serialNumber,
        deriveLinkPassword(Buffer.from(identity.secret, 'hex'), identity.serialNumber),
      );
      await client.endAsync();
    }
  });
});

describe('readiness and liveness', () => {
  it('answers /readyz 503 naming the broker when the broker is gone, /healthz still 200', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    const ready = await fetch(`${cloud.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { database: 'ok', broker: 'ok' });

    await broker.stop();
    const failing = await waitFor('readyz 503', async () => {
      const response = await fetch(`${cloud.url}/readyz`);
      return response.status === 503 ? response : null;
    });
    assert.deepEqual(await failing.json(), { database: 'ok', broker: 'unreachable' });
    assert.equal((await fetch(`${cloud.url}/healthz`)).status, 200);
  });

  it('closes a node whose broker hangs with a command unacknowledged, instead of waiting for ever', async (t) => {
    const broker = await startTestBroker(t);
    const cloud = await brokerCloud(t, broker);
    // Frozen, not gone: the connection stays open and the node still counts it as connected,
    // but no PUBACK will come for what it publishes now (MQTT 3.1.1 §4.3.2).
    broker.pause();
    const sent = cloud.transport
      .sendCommand('2N-0000-0000-0000', Buffer.from('{"command":"ping"}'))
      .then(
        () => 'acknowledged',
        (error: Error) => error.message,
      );
    let hung: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      cloud.close().then(() => 'closed'),
      new Promise((resolve) => (hung = setTimeout(() => resolve('still closing'), 30_000))),
    ]);
    clearTimeout(hung);
    assert.equal(outcome, 'closed');
    // Its sender is told, rather than left waiting for an acknowledgement that cannot come.
    assert.match(await sent, /closed before it acknowledged the command/);
    broker.resume();
  });

  it('is ready with the embedded broker on SQLite', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect);
    const ready = await fetch(`${cloud.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { database: 'ok', broker: 'ok' });
  });
});
