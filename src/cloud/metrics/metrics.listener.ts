import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, LatchkeyError } from '../../core/errors.ts';
import type { CloudMetrics } from './metrics.registry.ts';

export interface MetricsListener {
  /** The address it listens on, as HOST:PORT (the port picked when 0 was asked). */
  address: string;
  close(): Promise<void>;
}

/** Splits `HOST:PORT` (`[::1]:9464` for IPv6); throws a sentence a person can act on. */
export function parseListenAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(
      `--metrics-listen must be HOST:PORT (for example 127.0.0.1:9464), got "${value}".`,
    );
  }
  return { host: match[1] ?? match[2]!, port };
}

/**
 * A plain HTTP listener that serves only GET /metrics, without a token: meant for a private
 * network or the loopback, where the scraper is the only one who can reach it.
 */
export async function startMetricsListener(
  metrics: CloudMetrics,
  listen: string,
  onError: (error: unknown) => void,
): Promise<MetricsListener> {
  const { host, port } = parseListenAddress(listen);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      const error = new LatchkeyError('NOT_FOUND');
      response.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(errorBody(error)));
      return;
    }
    metrics.scrape().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        onError(error);
        const failure = new LatchkeyError('INTERNAL');
        response.writeHead(failure.status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(errorBody(failure)));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`--metrics-listen ${listen}: the port is already in use; choose another.`)
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
