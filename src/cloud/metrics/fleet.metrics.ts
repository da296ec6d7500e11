import { Gauge, type Registry } from 'prom-client';
import type { FleetCounts } from '../store/repos/fleet.repo.ts';

/**
 * The fleet as the database knows it, so every node of a cloud reports the same numbers: linked
 * devices, claimed ones, and claimed ones linked. An alert computes the offline share from the
 * last two (docs/operations/alerts.yml).
 */
export function fleetMetrics(registry: Registry) {
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  const linked = gauge(
    'latchkey_devices_linked',
    'Devices with a link to the cloud now (online), claimed or not.',
  );
  const claimed = gauge('latchkey_devices_claimed', 'Devices in a site (claimed).');
  const claimedLinked = gauge(
    'latchkey_devices_claimed_linked',
    'Devices in a site that are linked (online) now.',
  );
  const databaseUp = gauge(
    'latchkey_database_up',
    'Whether the database answered this scrape (1) or not (0); the fleet gauges keep their last read.',
  );
  let read: (() => Promise<FleetCounts>) | null = null;
  return {
    watch(counts: () => Promise<FleetCounts>): void {
      read = counts;
    },
    /**
     * Reads the counts once per scrape (one statement), before the registry is rendered. A
     * database that does not answer is itself the news: the scrape still answers, with
     * `latchkey_database_up 0`, rather than failing as a whole when the operator needs the
     * other metrics most (Prometheus's exporters report their target the same way, as `up`).
     */
    async refresh(): Promise<void> {
      if (!read) return;
      try {
        const counts = await read();
        linked.set(counts.linked);
        claimed.set(counts.claimed);
        claimedLinked.set(counts.claimedLinked);
        databaseUp.set(1);
      } catch {
        databaseUp.set(0);
      }
    },
  };
}
