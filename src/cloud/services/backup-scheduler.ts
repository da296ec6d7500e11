import type { DeviceBackupsService } from './device-backups.service.ts';
import type { ServiceLog } from './service-log.ts';

/** How often each node looks for devices whose daily backup is due. */
export const BACKUP_TICK_MS = 10 * 60 * 1000;

/**
 * Issue 19: the daily backups, run by every node. Nodes need not agree on who runs: each
 * device's day is claimed by one conditional insert (device-backups.repo claimDaily), so two
 * nodes ticking at once back a device up once. One pass at a time per node; the timer is
 * unref'd so it never holds a process open, and `stop()` waits for the pass in flight.
 */
export function startBackupScheduler(
  backups: DeviceBackupsService,
  log: ServiceLog,
  tickMs = BACKUP_TICK_MS,
) {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = backups
      .runDaily()
      .catch((error: unknown) =>
        log.error({ err: { message: (error as Error).message } }, 'daily backups failed'),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, tickMs);
  timer.unref();
  return {
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
