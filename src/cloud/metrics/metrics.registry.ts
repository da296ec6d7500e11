import { collectDefaultMetrics, Registry } from 'prom-client';
import type { LinkMetrics } from '../link/link.bridge.ts';
import type { ServiceMetrics } from '../services/service-metrics.ts';
import type { PoolUse } from '../store/dialect.ts';
import type { FleetCounts } from '../store/repos/fleet.repo.ts';
import { dbMetrics } from './db.metrics.ts';
import { fleetMetrics } from './fleet.metrics.ts';
import { httpMetrics } from './http.metrics.ts';
import { linkMetrics } from './link.metrics.ts';
import { serviceMetrics, streamMetrics } from './service.metrics.ts';

/** What the node's parts read from once they run (the registry is made before them). */
export interface MetricSources {
  fleet: () => Promise<FleetCounts>;
  openStreams: () => number;
  pool: () => PoolUse | null;
}

/**
 * One Prometheus registry per cloud node, never prom-client's global one: a test process runs
 * many clouds, and each must export only its own counts. The process defaults
 * (`process_*`, `nodejs_*`, event-loop lag as `nodejs_eventloop_lag_seconds`) are in it too.
 */
export function createCloudMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const db = dbMetrics(registry);
  const fleet = fleetMetrics(registry);
  const streams = streamMetrics(registry);
  return {
    registry,
    http: httpMetrics(registry),
    db,
    link: linkMetrics(registry) satisfies LinkMetrics,
    services: serviceMetrics(registry) satisfies ServiceMetrics,
    watch(sources: MetricSources): void {
      fleet.watch(sources.fleet);
      streams.watch(sources.openStreams);
      db.watchPool(sources.pool);
    },
    /** The Prometheus text exposition format (version 0.0.4), and its content type. */
    contentType: registry.contentType,
    async scrape(): Promise<string> {
      await fleet.refresh();
      return registry.metrics();
    },
  };
}

export type CloudMetrics = ReturnType<typeof createCloudMetrics>;
