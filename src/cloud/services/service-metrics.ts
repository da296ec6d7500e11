/**
 * What the services report for metrics, as a port: services stay free of prom-client, and a
 * node without metrics (a CLI command) passes `noServiceMetrics`.
 */
export interface ServiceMetrics {
  /** A claim ended: `added`, `moved`, or the catalog code it was refused with. */
  claimed(outcome: string): void;
}

export const noServiceMetrics: ServiceMetrics = { claimed() {} };
