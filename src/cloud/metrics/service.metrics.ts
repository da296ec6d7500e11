import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServiceMetrics } from '../services/service-metrics.ts';

/** Claims by outcome (the claim rules' outcomes and error codes, a closed list). */
export function serviceMetrics(registry: Registry): ServiceMetrics {
  const claims = new Counter({
    name: 'latchkey_claims_total',
    help: 'Claims (adding a device by serial number and security code), by outcome: added, moved, or the error code (SECURITY_CODE_INVALID, TOO_MANY_ATTEMPTS, …).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return { claimed: (outcome) => claims.labels(outcome).inc() };
}

/** Open live-update streams (GET /api/events) on this node, read when scraped. */
export function streamMetrics(registry: Registry) {
  let read: () => number = () => 0;
  new Gauge({
    name: 'latchkey_sse_streams',
    help: 'Live-update streams (Server-Sent Events, GET /api/events) open on this node.',
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
  return {
    watch(openStreams: () => number): void {
      read = openStreams;
    },
  };
}
