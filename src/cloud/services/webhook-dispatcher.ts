import {
  retryDelay,
  WEBHOOK_RETRY_SCHEDULE_MS,
  webhookSignature,
} from '../../core/webhook.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { webhooksRepo } from '../store/repos/webhooks.repo.ts';
import type { WebhookDeliveriesTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { ServiceLog } from './service-log.ts';
import { sendWebhook } from './webhook-sender.ts';

export interface WebhookDispatcherOptions {
  /** With nothing due, how often the node looks for work other nodes queued (null: never). */
  idlePollMs?: number | null;
  /** The waits after each failed attempt; after the last the delivery is failed. */
  retryScheduleMs?: readonly number[];
  /** One attempt's bound (connect, send, answer). */
  timeoutMs?: number;
  /** How long a node holds a delivery it attempts; a killed node's lease expires after it. */
  leaseMs?: number;
  /** An endpoint is disabled after this many deliveries failed in a row… */
  disableAfterFailedDeliveries?: number;
  /** …or when its attempts have been failing for longer than this. */
  disableAfterFailingMs?: number;
  /** `--webhooks-allow-insecure`: http:// and private addresses are sent to. */
  allowInsecure?: boolean;
}

export const WEBHOOK_IDLE_POLL_MS = 30_000;
export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 4096;
const BATCH = 20;

/** Who is told when an endpoint is disabled: its company's admins (in-portal and by mail). */
export type DisabledNotice = (endpoint: {
  id: string;
  companyId: string;
  url: string;
  reason: string;
}) => Promise<void>;

/**
 * Issue 20: sends the queued webhook deliveries, on every node. Each pass takes the oldest
 * pending delivery of every enabled endpoint that is due (later ones wait behind it: order per
 * endpoint), leases it with a conditional UPDATE (as the rollout runner claims its devices, so
 * two nodes never both send one), signs and POSTs it, and settles it: delivered, retried after
 * the schedule's next wait, or failed. It wakes on 'webhook-changed' and on changes of hands
 * (which queue deliveries), and otherwise sets one timer for the next due retry only.
 */
export function startWebhookDispatcher(
  deps: {
    store: Store;
    clock: Clock;
    events: CloudEventBus;
    secrets: SecretBox;
    log: ServiceLog;
    disabled: DisabledNotice;
  },
  options: WebhookDispatcherOptions = {},
) {
  const idlePollMs = options.idlePollMs === undefined ? WEBHOOK_IDLE_POLL_MS : options.idlePollMs;
  const schedule = options.retryScheduleMs ?? WEBHOOK_RETRY_SCHEDULE_MS;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const leaseMs = options.leaseMs ?? timeoutMs * 3;
  const maxFailed = options.disableAfterFailedDeliveries ?? 5;
  const maxFailingMs = options.disableAfterFailingMs ?? 24 * 3_600_000;
  const allowInsecure = options.allowInsecure ?? false;
  const repo = () => webhooksRepo(deps.store.db);
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();
  // Attempts in flight end at once on shutdown; they are settled as failed and retried later.
  const shutdown = new AbortController();

  const changed = (companyId: string, endpointId: string) =>
    deps.events.emit('webhook-changed', { companyId, endpointId });

  async function attempt(delivery: Omit<WebhookDeliveriesTable, 'seq'>): Promise<void> {
    const endpoint = await repo().endpointById(delivery.endpoint_id);
    if (!endpoint) return;
    const now = deps.clock.now();
    const secret = deps.secrets.open(endpoint.secret_enc, endpoint.id).toString();
    const unixSeconds = Math.floor(now.getTime() / 1000);
    const result = await sendWebhook({
      url: endpoint.url,
      body: delivery.payload,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Latchkey-Webhooks/1',
        'Latchkey-Event': delivery.event_type,
        'Latchkey-Delivery': delivery.id,
        'Latchkey-Signature': webhookSignature(secret, unixSeconds, delivery.payload),
      },
      timeoutMs,
      maxAnswerBytes: MAX_ANSWER_BYTES,
      allowInsecure,
      signal: shutdown.signal,
    });
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const at = deps.clock.now();
    const attempts = delivery.attempts + 1;
    const wait = ok ? null : retryDelay(schedule, attempts);
    const state = ok ? 'delivered' : wait === null ? 'failed' : 'pending';
    await repo().settle(delivery.id, {
      state,
      last_status: result.status,
      last_error: ok ? null : (result.error ?? `answered ${result.status}`),
      next: wait === null ? null : iso(new Date(at.getTime() + wait)),
      now: iso(at),
    });
    if (ok) await repo().endpointSucceeded(endpoint.id);
    else await failed(endpoint.id, endpoint.company_id, endpoint.url, state === 'failed', at);
    changed(delivery.company_id, delivery.endpoint_id);
  }

  async function failed(
    endpointId: string,
    companyId: string,
    url: string,
    deliveryFailed: boolean,
    at: Date,
  ) {
    const streak = await repo().endpointFailed(endpointId, iso(at), deliveryFailed);
    if (!streak || streak.enabled !== 1) return;
    const failingMs = streak.failing_since
      ? at.getTime() - new Date(streak.failing_since).getTime()
      : 0;
    let reason: string | null = null;
    if (streak.failed_deliveries >= maxFailed) {
      reason = `${streak.failed_deliveries} deliveries in a row failed after all their retries`;
    } else if (failingMs > maxFailingMs) {
      reason = `its deliveries have failed since ${streak.failing_since}`;
    }
    if (reason === null) return;
    if (await repo().disable(endpointId, reason, iso(at))) {
      await deps.disabled({ id: endpointId, companyId, url, reason });
    }
  }

  async function pass(): Promise<void> {
    const now = deps.clock.now();
    const heads = await repo().dueHeads(iso(now), BATCH);
    const leaseUntil = iso(new Date(now.getTime() + leaseMs));
    for (const head of heads) {
      if (stopped) return;
      if (!(await repo().lease(head.id, head.attempts, iso(now), leaseUntil))) continue;
      const sending = attempt(head)
        .catch((error: unknown) => deps.log.error({ err: error }, 'webhooks: attempt failed'))
        .finally(() => {
          inFlight.delete(sending);
          // The endpoint's next delivery may go now.
          wake();
        });
      inFlight.add(sending);
    }
    if (!stopped) await plan();
  }

  /** One timer: the next due retry (or lease end), else the idle poll, else none. */
  async function plan() {
    if (timer) clearTimeout(timer);
    timer = null;
    const next = await repo().nextDueAt();
    let wait: number | null = idlePollMs;
    if (next !== null) {
      const until = Math.max(0, new Date(next).getTime() - deps.clock.now().getTime());
      wait = wait === null ? until : Math.min(wait, until);
    }
    if (wait === null || stopped) return;
    timer = setTimeout(wake, wait);
    timer.unref();
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => deps.log.error({ err: error }, 'webhooks: pass failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  // What queues deliveries: changes of hands, rollouts ending (not each device's progress),
  // and the webhook services and device link saying so ('webhook-changed').
  const onChange = () => wake();
  const onRollout = ({ serialNumber }: { serialNumber?: string }) => {
    if (serialNumber === undefined) wake();
  };
  deps.events.on('webhook-changed', onChange);
  deps.events.on('ownership-changed', onChange);
  deps.events.on('rollout-changed', onRollout);
  // Work queued before this node started (or while it was down) is picked up at once.
  wake();

  return {
    /** Waits for the pass and the attempts in flight (tests). */
    async idle() {
      while (running || inFlight.size > 0) {
        await running;
        await Promise.all([...inFlight]);
      }
    },
    async stop() {
      stopped = true;
      shutdown.abort();
      if (timer) clearTimeout(timer);
      deps.events.off('webhook-changed', onChange);
      deps.events.off('ownership-changed', onChange);
      deps.events.off('rollout-changed', onRollout);
      await running;
      await Promise.all([...inFlight]);
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof startWebhookDispatcher>;
