import { connect } from 'node:net';
import { makeFirmwareImage } from '../../src/core/firmware.format.ts';
import type { ApiClient } from './http.ts';

/** A firmware image of the emulator's format; `payload` makes two images of one version differ. */
export const firmwareImage = (version = '2.41.0.12', payload = 'payload', model = '2N IP Verso') =>
  makeFirmwareImage({ model, version }, Buffer.from(payload.padEnd(256, '.')));

/** POST /api/firmware with the raw image, as the CLI and the portal send it. */
export const uploadFirmware = (client: ApiClient, image: Buffer, filename = 'verso.fw') =>
  client.post(`/api/firmware?filename=${encodeURIComponent(filename)}`, undefined, {
    body: image,
    headers: { 'content-type': 'application/octet-stream' },
  });

/**
 * Announces a body of `declaredBytes` over a raw socket but sends only its first 64 KiB, and
 * reads the answer: a server that answers has refused the upload without reading the rest.
 */
export function postWithoutBody(
  baseUrl: string,
  headers: Record<string, string>,
  declaredBytes: number,
): Promise<{ status: number; head: string }> {
  const url = new URL('/api/firmware?filename=big.fw', baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      socket.destroy();
      resolve({ status, head: received.slice(0, end) });
    });
    socket.on('connect', () => {
      const lines = [
        `POST ${url.pathname}${url.search} HTTP/1.1`,
        `Host: ${url.host}`,
        'Content-Type: application/octet-stream',
        `Content-Length: ${declaredBytes}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        '',
        '',
      ];
      socket.write(lines.join('\r\n'));
      socket.write(Buffer.alloc(64 * 1024, 0x41));
    });
  });
}
