import { createHash, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeFirmwareImage, type FirmwareHeader } from '../../src/core/firmware.format.ts';
import type { FirmwareUpdateArgs } from '../../src/core/link.protocol.ts';
import type { CleanupContext } from './cloud.ts';

/**
 * How the image server answers: the image as it is; with one byte flipped in flight; cut
 * short or with bytes appended (chunked, so the end looks regular); 404; or half of it, then nothing until released.
 */
export type ServeMode =
  'image' | 'corrupt' | 'truncated' | 'longer' | 'not-found' | 'held' | 'drip';

export interface FirmwareServer {
  /** The args of a `firmware-update` command for this image at this server. */
  args(rolloutId?: string): FirmwareUpdateArgs & Record<string, unknown>;
  image: Buffer;
  /** How many requests came (a single-use URL is asked once). */
  readonly requests: number;
  /** Sends the rest of a held answer. */
  release(): void;
}

/** A firmware image of `header` with a payload of `payloadBytes` random bytes. */
export function firmwareImage(header: FirmwareHeader, payloadBytes = 256 * 1024): Buffer {
  return makeFirmwareImage(header, randomBytes(payloadBytes));
}

/** A real HTTP server on a free port of 127.0.0.1 that serves one image the way `mode` says. */
export async function serveFirmware(
  t: CleanupContext,
  image: Buffer,
  mode: ServeMode = 'image',
): Promise<FirmwareServer> {
  let requests = 0;
  const held: ServerResponse[] = [];
  const half = Math.floor(image.length / 2);
  const server = createServer((_request, response) => {
    requests++;
    switch (mode) {
      case 'not-found':
        response.writeHead(404).end('no such transfer');
        return;
      case 'corrupt': {
        const changed = Buffer.from(image);
        changed[changed.length - 10]! ^= 0x01;
        response.writeHead(200, { 'content-length': changed.length }).end(changed);
        return;
      }
      case 'truncated':
        response.writeHead(200).end(image.subarray(0, image.length - 1000));
        return;
      case 'longer':
        response.writeHead(200).end(Buffer.concat([image, randomBytes(4096)]));
        return;
      case 'drip': {
        response.writeHead(200, { 'content-length': image.length });
        let sent = 0;
        const timer = setInterval(() => {
          response.write(image.subarray(sent, (sent += 1024)));
          if (sent >= image.length) {
            clearInterval(timer);
            response.end();
          }
        }, 20);
        response.once('close', () => clearInterval(timer));
        return;
      }
      case 'held':
        response.writeHead(200, { 'content-length': image.length });
        response.write(image.subarray(0, half));
        held.push(response);
        return;
      case 'image':
        response.writeHead(200, { 'content-length': image.length }).end(image);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return {
    image,
    get requests() {
      return requests;
    },
    args: (rolloutId = 'rollout-1') => ({
      rolloutId,
      url: `http://127.0.0.1:${port}/link/firmware/single-use-token`,
      sha256: createHash('sha256').update(image).digest('hex'),
      bytes: image.length,
      version: versionOf(image),
    }),
    release: () => {
      for (const response of held.splice(0)) response.end(image.subarray(half));
    },
  };
}

function versionOf(image: Buffer): string {
  return /version: ([\d.]+)/.exec(image.subarray(0, 200).toString('latin1'))![1]!;
}
