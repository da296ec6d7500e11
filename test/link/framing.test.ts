import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket, { createWebSocketStream, WebSocketServer } from 'ws';
import { oneMessagePerWrite } from '../../src/core/link.framing.ts';

describe('MQTT over WebSocket framing', () => {
  it('sends the pieces of one corked write as one WebSocket message, in order', async (t) => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    await once(server, 'listening');
    const messages: Buffer[] = [];
    server.on('connection', (socket) =>
      socket.on('message', (data) => messages.push(data as Buffer)),
    );
    const { port } = server.address() as AddressInfo;
    const socket = new WebSocket(`ws://127.0.0.1:${port}`, 'mqtt');
    const stream = oneMessagePerWrite(createWebSocketStream(socket));
    t.after(() => stream.destroy());

    // As mqtt-packet writes a PUBLISH: header, length, topic, payload under one cork.
    stream.cork();
    for (const piece of ['0', '1', 'devices/x/events', '{"a":1}']) stream.write(Buffer.from(piece));
    await new Promise((resolve) => process.nextTick(resolve));
    stream.uncork();
    stream.write(Buffer.from('next'));
    const deadline = Date.now() + 2000;
    while (messages.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(
      messages.map((m) => m.toString()),
      ['01devices/x/events{"a":1}', 'next'],
    );
  });
});
