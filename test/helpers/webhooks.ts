import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  id: string;
  type: string;
  body: { id: string; type: string; companyId: string; data: Record<string, unknown> };
  valid: boolean;
}

/** A real receiver on a free port: checks each signature with the secret, answers `status`. */
export async function startReceiver(t: { after(fn: () => Promise<void>): void }, port = 0) {
  const state = { secret: '', status: 200, all: [] as Received[], rejected: 0, redirected: 0 };
  const read = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => resolve(text));
    });
  const server: Server = createServer(async (request, response) => {
    const text = await read(request);
    if (request.url === '/elsewhere') {
      state.redirected += 1;
      response.writeHead(200).end();
      return;
    }
    const header = String(request.headers['latchkey-signature'] ?? '');
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    const expected = match
      ? createHmac('sha256', state.secret).update(`${match[1]}.${text}`).digest()
      : null;
    const valid = expected !== null && timingSafeEqual(expected, Buffer.from(match![2]!, 'hex'));
    if (!valid) {
      state.rejected += 1;
      response.writeHead(400).end('bad signature');
      return;
    }
    if (state.status === 200) {
      state.all.push({
        id: String(request.headers['latchkey-delivery']),
        type: String(request.headers['latchkey-event']),
        body: JSON.parse(text),
        valid,
      });
    }
    // A 3xx points elsewhere on this receiver: a sender that followed it would be counted.
    response
      .writeHead(state.status, { 'Content-Type': 'text/plain', Location: '/elsewhere' })
      .end('x'.repeat(100_000));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  /** Distinct deliveries (a retry of one delivery keeps its id). */
  const distinct = () => [...new Map(state.all.map((r) => [r.id, r])).values()];
  return { state, url, distinct };
}
