import type { FirmwareProgressMessage, ReplyMessage } from '../../core/link.protocol.ts';
import { webhooksRepo } from '../store/repos/webhooks.repo.ts';
import { FINAL_STEPS, IN_PROGRESS_STEPS, rolloutsRepo } from '../store/repos/rollouts.repo.ts';
import type { RolloutsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';
import type { CommandSender } from './device-commands.ts';
import type { CloudEventBus } from './events.ts';
import type { LinkTransfers } from './link-transfers.service.ts';
import type { PortalLinks } from './portal-links.ts';
import type { ServiceLog } from './service-log.ts';

export interface RolloutRunnerOptions {
  /** How often each node looks at its running rollouts (events also wake it). */
  tickMs?: number;
  /**
   * With no rollout running, how often the node looks for one another node started (null:
   * never; it still learns at once of those started on it).
   */
  idlePollMs?: number | null;
  /** A device in progress that reports nothing for this long has failed. */
  silenceMs?: number;
  /** Sends of one device (a device that went away mid-way is sent it again). */
  maxAttempts?: number;
}

export const ROLLOUT_TICK_MS = 1000;
export const ROLLOUT_IDLE_POLL_MS = 30_000;
export const ROLLOUT_SILENCE_MS = 10 * 60 * 1000;
export const ROLLOUT_MAX_ATTEMPTS = 3;
/** How long the device has to accept the command (it answers before it downloads). */
const ACCEPT_TIMEOUT_MS = 10_000;

/**
 * Issue 19: runs the rollouts, on every node. Each tick, for each running rollout, it fails
 * devices that went silent, marks done those that report the new version, ends the rollout
 * when nothing is left or more than K % failed, and sends the update to pending devices that
 * are online, up to the rollout's concurrency. A device is claimed by a conditional update
 * before it is sent anything, so nodes ticking at once send each device its update once.
 * Progress reports (`firmware-progress` over the link) move devices on as they arrive.
 */
export function startRolloutRunner(
  deps: {
    store: Store;
    clock: Clock;
    events: CloudEventBus;
    commands: CommandSender;
    transfers: LinkTransfers;
    links: PortalLinks;
    log: ServiceLog;
  },
  options: RolloutRunnerOptions = {},
) {
  const tickMs = options.tickMs ?? ROLLOUT_TICK_MS;
  const idlePollMs = options.idlePollMs === undefined ? ROLLOUT_IDLE_POLL_MS : options.idlePollMs;
  // Whether the last tick found a running rollout: only then do device updates and the short
  // tick cost a statement (an idle node runs none per event, live-updates.test.ts counts them).
  let active = false;
  let timer: NodeJS.Timeout | null = null;
  const schedule = (every: number | null) => {
    if (timer) clearInterval(timer);
    timer = every === null || stopped ? null : setInterval(wake, every);
    timer?.unref();
  };
  const silenceMs = options.silenceMs ?? ROLLOUT_SILENCE_MS;
  const maxAttempts = options.maxAttempts ?? ROLLOUT_MAX_ATTEMPTS;
  const repo = () => rolloutsRepo(deps.store.db);
  const now = () => iso(deps.clock.now());
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const sends = new Set<Promise<void>>();

  const changed = (rolloutId: string, serialNumber?: string) => {
    deps.events.emit('rollout-changed', { rolloutId, ...(serialNumber ? { serialNumber } : {}) });
    if (serialNumber) deps.events.emit('device-updated', { serialNumber });
  };

  async function send(rollout: RolloutsTable, serial: string, attempts: number): Promise<void> {
    let reply: ReplyMessage;
    try {
      const token = await deps.transfers.issue({
        serialNumber: serial,
        kind: 'firmware',
        ref: rollout.firmware_id,
      });
      reply = await deps.commands.command(
        serial,
        'firmware-update',
        {
          rolloutId: rollout.id,
          url: `${deps.links.base}/link/firmware/${token}`,
          sha256: rollout.sha256,
          bytes: rollout.bytes,
          version: rollout.version,
        },
        ACCEPT_TIMEOUT_MS,
      );
    } catch (error) {
      // Not delivered (offline again, no answer): pending again, until the attempts run out.
      const last = attempts >= maxAttempts;
      await repo().step(rollout.id, serial, ['sent'], {
        step: last ? 'failed' : 'pending',
        updated_at: now(),
        ...(last
          ? { error: `The device did not accept the update in ${maxAttempts} attempts.` }
          : {}),
      });
      deps.log.info({ serial, reason: (error as Error).message }, 'rollout: update not delivered');
      changed(rollout.id, serial);
      return;
    }
    if (!reply.ok) {
      const already = reply.error === 'already-installed';
      await repo().step(rollout.id, serial, ['sent'], {
        step: already ? 'done' : 'failed',
        updated_at: now(),
        ...(already ? { percent: 100 } : { error: refusal(reply.error) }),
      });
      changed(rollout.id, serial);
    }
  }

  async function runOne(rollout: RolloutsTable): Promise<void> {
    const at = now();
    for (const { serial_number } of await repo().installed(rollout.id, rollout.version)) {
      if (
        await repo().step(rollout.id, serial_number, IN_PROGRESS_STEPS, {
          step: 'done',
          percent: 100,
          updated_at: at,
        })
      ) {
        changed(rollout.id, serial_number);
      }
    }
    const before = iso(new Date(deps.clock.now().getTime() - silenceMs));
    for (const { serial_number } of await repo().silentSince(rollout.id, before)) {
      if (
        await repo().step(rollout.id, serial_number, IN_PROGRESS_STEPS, {
          step: 'failed',
          updated_at: at,
          error: `The device reported nothing for ${Math.round(silenceMs / 60_000)} minutes; it keeps its old firmware unless it reports the new version.`,
        })
      ) {
        changed(rollout.id, serial_number);
      }
    }
    const counts = await repo().stepCounts(rollout.id);
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    const failed = counts.get('failed') ?? 0;
    const inProgress = IN_PROGRESS_STEPS.reduce((sum, step) => sum + (counts.get(step) ?? 0), 0);
    const pending = counts.get('pending') ?? 0;
    // "Stop when more than K % fail" (issue 19): of all the rollout's devices.
    if (total > 0 && (failed * 100) / total > rollout.stop_when_failed_percent) {
      await finish(rollout, 'stopped', `${failed} of ${total} devices failed`);
      return;
    }
    if (pending === 0 && inProgress === 0) {
      await finish(rollout, 'done', null);
      return;
    }
    const slots = rollout.concurrency - inProgress;
    if (slots <= 0 || pending === 0) return;
    for (const device of await repo().pendingOnline(rollout.id, slots)) {
      const attempts = device.attempts + 1;
      const claimed = await repo().step(rollout.id, device.serial_number, ['pending'], {
        step: 'sent',
        attempts,
        percent: null,
        error: null,
        updated_at: now(),
      });
      if (!claimed) continue;
      changed(rollout.id, device.serial_number);
      const sending = send(rollout, device.serial_number, attempts).catch((error: unknown) =>
        deps.log.error({ err: error, rolloutId: rollout.id }, 'rollout: send failed'),
      );
      sends.add(sending);
      void sending.finally(() => sends.delete(sending));
    }
  }

  async function finish(rollout: RolloutsTable, state: 'done' | 'stopped', reason: string | null) {
    const at = now();
    const ended = await deps.store.transaction(async (trx) => {
      if (!(await rolloutsRepo(trx).finish(rollout.id, state, at, reason))) return false;
      if (state === 'stopped')
        await rolloutsRepo(trx).stepAll(rollout.id, ['pending'], 'skipped', at);
      // Issue 20: the outbox, in the transaction that ends the rollout.
      await webhooksRepo(trx).enqueue([
        {
          companyId: rollout.company_id,
          type: 'rollout.finished',
          data: { rolloutId: rollout.id, state, reason, firmwareId: rollout.firmware_id },
          createdAt: at,
        },
      ]);
      return true;
    });
    if (ended) changed(rollout.id);
  }

  async function tick(): Promise<void> {
    const rollouts = await repo().running();
    if (rollouts.length > 0 !== active) {
      active = rollouts.length > 0;
      schedule(active ? tickMs : idlePollMs);
    }
    for (const rollout of rollouts) {
      if (stopped) return;
      await runOne(rollout);
    }
  }

  /** Runs a tick now, or right after the one in flight. */
  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = tick()
      .catch((error: unknown) => deps.log.error({ err: error }, 'rollouts: tick failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  async function onProgress(event: { serialNumber: string; progress: FirmwareProgressMessage }) {
    const { serialNumber, progress } = event;
    const at = now();
    const to =
      progress.step === 'failed'
        ? {
            step: 'failed' as const,
            error: progress.error ?? 'The device gave no reason.',
            updated_at: at,
          }
        : progress.step === 'done'
          ? { step: 'done' as const, percent: 100, updated_at: at }
          : {
              step: progress.step,
              updated_at: at,
              ...(progress.percent === undefined ? {} : { percent: progress.percent }),
            };
    // Only a device still in progress in that rollout moves: a late report of a device failed
    // for silence, or of a cancelled rollout's device that was never sent, changes nothing.
    if (await repo().step(progress.rolloutId, serialNumber, IN_PROGRESS_STEPS, to)) {
      changed(progress.rolloutId, serialNumber);
      if (FINAL_STEPS.includes(to.step)) wake();
    }
  }

  const progressListener = (event: { serialNumber: string; progress: FirmwareProgressMessage }) => {
    onProgress(event).catch((error: unknown) =>
      deps.log.error({ err: error }, 'rollouts: progress not recorded'),
    );
  };
  const wakeListener = () => wake();
  // A device that comes back online (or reports its new version) may be due for its update.
  const deviceListener = () => {
    if (active) wake();
  };
  deps.events.on('firmware-progress', progressListener);
  deps.events.on('rollout-changed', wakeListener);
  deps.events.on('device-updated', deviceListener);
  schedule(idlePollMs);

  return {
    wake,
    /** Waits for the tick and the sends in flight (tests, shutdown). */
    async idle(): Promise<void> {
      while (running || sends.size > 0) {
        await running;
        await Promise.all([...sends]);
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      schedule(null);
      deps.events.off('firmware-progress', progressListener);
      deps.events.off('rollout-changed', wakeListener);
      deps.events.off('device-updated', deviceListener);
      await running;
      await Promise.all([...sends]);
    },
  };
}

/** The device's refusal as a sentence (its error codes are short words). */
function refusal(error: string | undefined): string {
  if (error === 'busy') return 'The device was already installing another firmware update.';
  if (error?.startsWith('bad-args')) return `The device refused the update: ${error.slice(10)}.`;
  return `The device refused the update: ${error ?? 'no reason given'}.`;
}

export type RolloutRunner = ReturnType<typeof startRolloutRunner>;
