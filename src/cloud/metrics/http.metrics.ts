import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/** A request no route matched (a 404, or refused before routing): one label value for all. */
const UNMATCHED = 'unmatched';

/**
 * Requests by method, route pattern and status, and their latency. The route is Fastify's
 * pattern (`/api/sites/:siteId/devices`), never the raw URL: label values stay bounded.
 */
export function httpMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'latchkey_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its answer, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  return {
    /** Counts every answer of `app` (its onResponse hook: after the last byte was written). */
    install(app: FastifyInstance): void {
      app.addHook('onResponse', (request, reply, done) => {
        const route = request.routeOptions.url ?? UNMATCHED;
        requests.labels(request.method, route, statusLabel(reply.statusCode)).inc();
        // reply.elapsedTime is Fastify's own measure from onRequest, in milliseconds.
        duration.labels(request.method, route).observe(reply.elapsedTime / 1000);
        done();
      });
    },
  };
}

// The status codes as label strings, made once rather than on every request.
const STATUS_LABELS = new Map<number, string>();
function statusLabel(status: number): string {
  let label = STATUS_LABELS.get(status);
  if (label === undefined) {
    label = String(status);
    if (status >= 100 && status < 600) STATUS_LABELS.set(status, label);
  }
  return label;
}
