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

let processDefaults: Registry | null = null;

/**
 * The process defaults (`process_*`, `nodejs_*`, event-loop lag as
 * `nodejs_eventloop_lag_seconds`) in a registry of their own, made once per process: they
 * describe the process, whatever the clouds in it, and each collector set runs an event-loop
 * delay monitor that nothing can stop, so a test process of many clouds must not make one each.
 */
function processRegistry(): Registry {
  if (!processDefaults) {
    processDefaults = new Registry();
    collectDefaultMetrics({ register: processDefaults });
  }
  return processDefaults;
}

/**
 * One Prometheus registry per cloud node, never prom-client's global one: a test process runs
 * many clouds, and each must export only its own counts. A scrape adds the process defaults.
 */
export function createCloudMetrics() {
  const registry = new Registry();
  // Merged once every metric is registered: the merge copies the lists it is given.
  let scraped: Registry | null = null;
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
      scraped ??= Registry.merge([processRegistry(), registry]);
      return scraped.metrics();
    },
  };
}

export type CloudMetrics = ReturnType<typeof createCloudMetrics>;
