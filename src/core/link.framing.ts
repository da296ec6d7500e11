import type { Duplex } from 'node:stream';

/**
 * Makes the pieces of one corked write go out as one WebSocket message. mqtt-packet writes a
 * packet in several pieces (header, length, topic, payload) under cork(); ws'
 * createWebSocketStream has no _writev, so each piece would become a message of its own, with
 * its own frame, mask and system call on both ends. MQTT 3.1.1 §6 lets a WebSocket message
 * carry any part of the byte stream, so joining them changes nothing for the peer.
 */
export function oneMessagePerWrite<T extends Duplex>(stream: T): T {
  stream._writev = (chunks, callback) =>
    stream._write(Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer)), 'binary', callback);
  return stream;
}
