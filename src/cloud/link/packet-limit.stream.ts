import { Duplex } from 'node:stream';
import { PacketSizeScanner, type PacketSizeViolation } from '../../core/link.framing.ts';

/**
 * Wraps a device's connection (TCP socket or WebSocket stream) so that the broker only reads
 * bytes that belong to packets within `limitBytes`: at the first packet declared larger the
 * connection is destroyed and `onViolation` told, before the broker's parser (mqtt-packet, which
 * has no limit of its own) buffers the body. Writes pass through unchanged.
 */
export function limitPacketSize(
  connection: Duplex,
  limitBytes: number,
  onViolation: (violation: PacketSizeViolation) => void,
): Duplex {
  const scanner = new PacketSizeScanner(limitBytes);
  const guarded = new Duplex({
    read() {
      connection.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      connection.write(chunk, encoding, callback);
    },
    final(callback) {
      connection.end(callback);
    },
    destroy(error, callback) {
      connection.destroy();
      callback(error);
    },
  });
  connection.on('data', (chunk: Buffer) => {
    const violation = scanner.scan(chunk);
    if (violation) {
      onViolation(violation);
      guarded.destroy();
      return;
    }
    if (!guarded.push(chunk)) connection.pause();
  });
  connection.once('end', () => guarded.push(null));
  connection.on('error', (error) => guarded.destroy(error));
  connection.once('close', () => guarded.destroy());
  return guarded;
}
