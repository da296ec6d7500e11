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

/**
 * The smallest packet limit a broker may set: the largest message payload either end reads,
 * plus room for the fixed header, topic, packet id and a CONNECT's will (MQTT 3.1.1 §3.1, §3.3).
 */
export const MIN_PACKET_LIMIT_BYTES = 17 * 1024;
export const DEFAULT_PACKET_LIMIT_BYTES = 64 * 1024;

/** Why a byte stream was refused: a packet declared larger than the limit, or a malformed length. */
export type PacketSizeViolation = { declaredBytes: number } | { malformed: true };

/**
 * Follows the MQTT packets of one byte stream, without keeping them, to refuse a packet as soon
 * as its fixed header declares more than `limitBytes` (header included), before its body is
 * received and buffered by a parser. MQTT 3.1.1 §2.2.3: the remaining length takes one to four
 * bytes, seven bits each, least significant first; a fifth is malformed.
 */
export class PacketSizeScanner {
  readonly #limit: number;
  // Body bytes of the current packet still to come.
  #skip = 0;
  #inLength = false;
  #length = 0;
  #lengthBytes = 0;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  /** Reads the next piece of the stream; a violation ends the stream for good. */
  scan(chunk: Uint8Array): PacketSizeViolation | null {
    let index = 0;
    while (index < chunk.length) {
      if (this.#skip > 0) {
        const taken = Math.min(this.#skip, chunk.length - index);
        this.#skip -= taken;
        index += taken;
        continue;
      }
      const byte = chunk[index++]!;
      if (!this.#inLength) {
        // The control packet type byte: its length follows.
        this.#inLength = true;
        this.#length = 0;
        this.#lengthBytes = 0;
        continue;
      }
      this.#length += (byte & 0x7f) * 128 ** this.#lengthBytes;
      this.#lengthBytes++;
      if (byte & 0x80) {
        if (this.#lengthBytes === 4) return { malformed: true };
        continue;
      }
      const declaredBytes = 1 + this.#lengthBytes + this.#length;
      if (declaredBytes > this.#limit) return { declaredBytes };
      this.#inLength = false;
      this.#skip = this.#length;
    }
    return null;
  }
}
