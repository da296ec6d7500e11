import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import { MIN_PACKET_LIMIT_BYTES } from '../../src/core/link.framing.ts';
import { deviceClientId, deviceTopic, MAX_MESSAGE_BYTES } from '../../src/core/link.protocol.ts';
import { deriveLinkPassword } from '../../src/core/security-code.rules.ts';
import type { SerialNumber } from '../../src/core/serial.rules.ts';
import { mintWithCli, startServeProcess } from '../helpers/cli-rig.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { sqliteTestDialect, testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { mintDevices } from '../helpers/factories.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { cliPath, freePort } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const MiB = 1024 * 1024;

/** The resident memory of a process, in bytes (Linux /proc/<pid>/status VmRSS, in kB). */
function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match, 'VmRSS in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

/** MQTT 3.1.1 §2.2.3: the remaining length, seven bits a byte, least significant first. */
function remainingLength(length: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return bytes;
}

/** Resolves when the socket or WebSocket is closed, whatever the reason. */
const closed = (emitter: Socket | WebSocket) =>
  new Promise<void>((resolve) => {
    emitter.on('error', () => {});
    emitter.once('close', () => resolve());
  });

/** Sends one WebSocket message of `bytes` to the cloud's MQTT endpoint; resolves when closed. */
function hugeWebSocketFrame(url: string, bytes: number): Promise<void> {
  const socket = new WebSocket(url, 'mqtt');
  const done = closed(socket);
  socket.once('open', () => socket.send(Buffer.alloc(bytes, 0x30)));
  return done;
}

/** A TCP CONNECT declaring `bytes`, then its body in pieces; resolves when the cloud closes. */
function hugeTcpPacket(port: number, bytes: number): Promise<void> {
  const socket = tcpConnect(port, '127.0.0.1');
  const done = closed(socket);
  socket.once('connect', () => {
    socket.write(Buffer.from([0x10, ...remainingLength(bytes)]));
    const piece = Buffer.alloc(MiB, 0x41);
    let sent = 0;
    const more = () => {
      while (sent < bytes && !socket.destroyed) {
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', more);
      }
    };
    more();
  });
  return done;
}

describe('device link hardening: oversized packets before login', () => {
  it('closes 90 MiB WebSocket frames and a TCP packet declaring 64 MiB without the cloud buffering them, while a device links', async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'latchkey-hardening-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const [unit] = await mintWithCli(work, 1);
    const mqttPort = await freePort();
    const serve = await startServeProcess(t, work, ['--mqtt-port', String(mqttPort)]);
    const pid = serve.child.pid!;
    const before = residentBytes(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), 20);
    t.after(() => clearInterval(sampler));

    const identity = JSON.parse(readFileSync(unit!.identityFile, 'utf8')) as {
      serialNumber: SerialNumber;
      model: string;
      macAddress: string;
      secret: string;
    };
    const device: MintedDevice = {
      ...identity,
      secret: Buffer.from(identity.secret, 'hex'),
      securityCode: unit!.securityCode,
    };
    const wsUrl = `${serve.url.replace('http', 'ws')}/mqtt`;
    const [emulator] = await Promise.all([
      startLinkedEmulator(t, device, serve.url, {
        identityFile: unit!.identityFile,
        dataDir: join(work, 'emulator'),
      }),
      hugeWebSocketFrame(wsUrl, 90 * MiB),
      hugeWebSocketFrame(wsUrl, 90 * MiB),
      hugeWebSocketFrame(wsUrl, 90 * MiB),
      hugeTcpPacket(mqttPort, 64 * MiB),
    ]);
    await waitFor('the device linked', () => emulator.running.device.cloud.state === 'connected');
    clearInterval(sampler);
    peak = Math.max(peak, residentBytes(pid));
    const growth = peak - before;
    t.diagnostic(
      `cloud RSS ${(before / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB: +${(growth / MiB).toFixed(1)} MiB`,
    );
    assert.ok(growth < 50 * MiB, `the cloud grew by ${(growth / MiB).toFixed(1)} MiB`);
    assert.match(serve.output(), /MQTT packet over the size limit/);
  });
});

describe('device link hardening: the packet limit', () => {
  it('carries the link’s largest message under the smallest limit, and closes a packet one byte over it, over TCP and WebSocket', async (t) => {
    const limit = MIN_PACKET_LIMIT_BYTES;
    const cloud = await startTestCloud(t, sqliteTestDialect, {
      mqttPort: 0,
      mqttLimits: { maxPacketBytes: limit },
    });
    const [minted] = await mintDevices(cloud, 1);
    const serial = minted!.serialNumber;
    const topic = deviceTopic(serial, 'state');
    const state = (firmware: string) => {
      const base = { model: 'IP Verso', firmware, codeGeneration: 0, uptime: 1, pad: '' };
      const padding = MAX_MESSAGE_BYTES - JSON.stringify(base).length;
      return JSON.stringify({ ...base, pad: 'x'.repeat(padding) });
    };
    assert.equal(state('a').length, MAX_MESSAGE_BYTES);
    // MQTT 3.1.1 §3.3: fixed header (1 + 3 length bytes here), topic (2 + its length), packet
    // id (2), payload.
    const payloadFilling = (total: number) => total - 1 - 3 - (2 + topic.length) - 2;

    for (const url of [
      `mqtt://127.0.0.1:${cloud.mqttPort}`,
      `${cloud.url.replace('http', 'ws')}/mqtt`,
    ]) {
      const { client, error } = await connectMqtt(
        url,
        deviceClientId(serial),
        serial,
        deriveLinkPassword(minted!.secret, serial),
      );
      assert.equal(error, null);
      t.after(() => client.endAsync(true));
      const firmware = url.startsWith('ws') ? 'over-websocket' : 'over-tcp';
      await client.publishAsync(topic, state(firmware), { qos: 1 });
      await waitFor(
        `the largest state message ${firmware}`,
        async () =>
          (
            await cloud.store.db
              .selectFrom('devices')
              .select('firmware')
              .where('serial_number', '=', serial)
              .executeTakeFirstOrThrow()
          ).firmware === firmware,
      );
      // Exactly the limit is fine (acknowledged, though too large a message to be read)…
      await client.publishAsync(topic, Buffer.alloc(payloadFilling(limit), 0x20), { qos: 1 });
      // …one byte more ends the connection.
      const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topic, Buffer.alloc(payloadFilling(limit + 1), 0x20), { qos: 1 });
      await gone;
    }
  });

  it('closes a connection whose packet length runs past four bytes (malformed)', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect, { mqttPort: 0 });
    const socket = tcpConnect(cloud.mqttPort!, '127.0.0.1');
    const done = closed(socket);
    let answered = false;
    socket.on('data', () => (answered = true));
    // MQTT 3.1.1 §2.2.3: at most four length bytes; the fourth has its continuation bit set.
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await done;
    assert.equal(answered, false);
  });
});

describe('device link hardening: connections that do not log in', () => {
  it('refuses connections over the pending bound, closes the silent ones after the login timeout, then links a device', async (t) => {
    const cloud = await startTestCloud(t, sqliteTestDialect, {
      mqttPort: 0,
      mqttLimits: { maxPendingLogins: 2, loginTimeoutMs: 1000 },
    });
    const [minted] = await mintDevices(cloud, 1);
    const silent = [0, 1].map(() => tcpConnect(cloud.mqttPort!, '127.0.0.1'));
    const silentClosed = silent.map(closed);
    await Promise.all(silent.map((socket) => new Promise((r) => socket.once('connect', r))));
    // The cloud counts them once it accepted them: a third one is refused once it does.
    await waitFor('a connection over the bound refused', async () => {
      const extra = tcpConnect(cloud.mqttPort!, '127.0.0.1');
      let received = false;
      extra.on('data', () => (received = true));
      const refused = await Promise.race([
        closed(extra).then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
      ]);
      extra.destroy();
      return refused && !received;
    });
    const upgrade = new WebSocket(`${cloud.url.replace('http', 'ws')}/mqtt`, 'mqtt');
    const status = await new Promise<number>((resolve) => {
      upgrade.on('error', () => {});
      upgrade.once('unexpected-response', (_request, response) => resolve(response.statusCode!));
      upgrade.once('open', () => resolve(101));
    });
    assert.equal(status, 503);

    // Neither silent connection ever logs in: the cloud closes both.
    await Promise.all(silentClosed);
    const { client, error } = await connectMqtt(
      `mqtt://127.0.0.1:${cloud.mqttPort}`,
      deviceClientId(minted!.serialNumber),
      minted!.serialNumber,
      deriveLinkPassword(minted!.secret, minted!.serialNumber),
    );
    t.after(() => client.endAsync(true));
    assert.equal(error, null);
  });
});

for (const dialect of testDialects) {
  describe(`device link hardening: client ids (${dialect.name})`, () => {
    it('refuses a device logging in with another device’s client id, and the victim stays linked', async (t) => {
      const cloud = await startTestCloud(t, dialect, { mqttPort: 0 });
      const [mallory, victim] = await mintDevices(cloud, 2);
      const url = `mqtt://127.0.0.1:${cloud.mqttPort}`;
      const login = (device: MintedDevice, clientId: string) =>
        connectMqtt(
          url,
          clientId,
          device.serialNumber,
          deriveLinkPassword(device.secret, device.serialNumber),
        );
      const held = await login(victim!, deviceClientId(victim!.serialNumber));
      assert.equal(held.error, null);
      t.after(() => held.client.endAsync(true));
      let victimDropped = 0;
      held.client.on('close', () => victimDropped++);

      for (let attempt = 0; attempt < 3; attempt++) {
        const takeover = await login(mallory!, deviceClientId(victim!.serialNumber));
        takeover.client.end(true);
        // MQTT 3.1.1 §3.2.2.3: return code 2, identifier rejected.
        assert.match(String(takeover.error?.message), /Identifier rejected/i);
      }
      const own = await login(mallory!, deviceClientId(mallory!.serialNumber));
      assert.equal(own.error, null, 'the login itself is fine');
      await own.client.endAsync();

      // A round trip after the attempts: had one taken over, the victim would be gone by now.
      await held.client.subscribeAsync(`devices/${victim!.serialNumber}/commands`, { qos: 1 });
      assert.equal(victimDropped, 0, 'the victim kept its connection');
      assert.equal(cloud.transport.isLinked?.(victim!.serialNumber), true);
    });
  });
}

describe('device link hardening: the serve flags', () => {
  const serve = async (args: string[]) => {
    try {
      await promisify(execFile)(process.execPath, [cliPath, 'serve', ...args]);
      return { code: 0, stderr: '' };
    } catch (error) {
      return error as { code: number; stderr: string };
    }
  };

  it('explains a packet limit below the link’s largest message, and the embedded broker’s limits given with --broker, and exits 2', async () => {
    const small = await serve(['--mqtt-max-packet-bytes', '1024']);
    assert.equal(small.code, 2);
    assert.match(small.stderr, /--mqtt-max-packet-bytes must be a whole number from 17408/);
    const external = await serve(['--broker', 'mqtt://a:b@127.0.0.1:1', '--mqtt-max-pending', '5']);
    assert.equal(external.code, 2);
    assert.match(external.stderr, /--mqtt-max-pending is for the embedded broker/);
  });
});
