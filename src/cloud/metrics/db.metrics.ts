import { Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolUse } from '../store/dialect.ts';
import type { StatementObserver } from '../store/store.ts';

/**
 * The store's statements and, on PostgreSQL, its connection pool. The store calls the
 * observer once per statement (Kysely's log hook), so the histogram's child for the dialect
 * is looked up once, not per statement.
 */
export function dbMetrics(registry: Registry) {
  const statements = new Histogram({
    name: 'latchkey_db_statement_duration_seconds',
    help: 'Time the database took to run one statement, failed ones included, by dialect.',
    labelNames: ['dialect'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  let pool: (() => PoolUse | null) | null = null;
  const poolGauge = (name: string, help: string, pick: (use: PoolUse) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const use = pool?.();
        // SQLite has no pool: the gauge stays without a sample rather than a false zero.
        if (use) this.set(pick(use));
      },
    });
  poolGauge(
    'latchkey_db_pool_connections',
    'PostgreSQL connections the pool holds open (busy and idle).',
    (use) => use.total,
  );
  poolGauge(
    'latchkey_db_pool_idle_connections',
    'PostgreSQL connections open and idle in the pool.',
    (use) => use.idle,
  );
  poolGauge(
    'latchkey_db_pool_waiting_requests',
    'Statements waiting for a free PostgreSQL connection of the pool.',
    (use) => use.waiting,
  );

  return {
    /** The observer the store reports its statements to (openStore's `observer`). */
    observer(dialect: string): StatementObserver {
      const child = statements.labels(dialect);
      return (milliseconds) => child.observe(milliseconds / 1000);
    },
    /** Where the pool gauges read from, once the store is open. */
    watchPool(read: () => PoolUse | null): void {
      pool = read;
    },
  };
}
