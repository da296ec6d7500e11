import { randomInt } from 'node:crypto';
import type { DeviceEvents } from './device.events.ts';
import { DeviceError, invalidParam } from './device.errors.ts';
import { EVENT_PRIVILEGE, EVENT_TYPES, type EventParams, type EventType } from './event.catalog.ts';

export { EVENT_TYPES, type EventParams, type EventType } from './event.catalog.ts';

export interface LogEvent {
  id: number;
  tzShift: number;
  utcTime: number;
  upTime: number;
  event: EventType;
  params: Record<string, string | number | boolean>;
}

interface Subscription {
  id: number;
  /** Whether this subscriber asked for, and may read, an event type. */
  wants: (event: EventType) => boolean;
  next: number;
  duration: number;
  expiresAt: number;
  waiters: Set<() => void>;
}

const MAX_EVENTS = 10_000;
const MAX_SUBSCRIPTIONS = 64;
const BATCH = 128;
export const MAX_PULL_TIMEOUT = 3600;

/** The device's event log with the vendor's subscribe / pull (long poll) / unsubscribe. */
export class EventLogService {
  #events: LogEvent[] = [];
  #nextId = 1;
  #subscriptions = new Map<number, Subscription>();
  #sweeper: NodeJS.Timeout;

  private readonly clock: { upTime(): number; utcTime(): number; tzShift?(): number };
  constructor(
    events: DeviceEvents,
    clock: { upTime(): number; utcTime(): number; tzShift?(): number },
  ) {
    this.clock = clock;
    events.on('switch-changed', (e) =>
      this.record('SwitchStateChanged', { switch: e.switch, state: e.active }),
    );
    events.on('input-changed', (e) =>
      this.record('InputChanged', { port: e.port, state: e.active }),
    );
    events.on('output-changed', (e) =>
      this.record('OutputChanged', { port: e.port, state: e.active }),
    );
    events.on('config-changed', (e) => this.record('ConfigurationChanged', { reason: e.reason }));
    events.on('code-regenerated', (e) =>
      this.record('SecurityCodeRegenerated', { generation: e.generation }),
    );
    events.on('factory-reset', (e) => this.record('FactoryReset', { network: e.network }));
    events.on('restarted', (e) => {
      if (e.reason === 'firmware upgrade')
        this.record('FirmwareUpdated', { version: e.firmwareVersion });
    });
    events.on('config-restored', (e) =>
      this.record('ConfigurationRestored', { encrypted: e.encrypted }),
    );
    this.#sweeper = setInterval(() => this.#expire(), 10_000);
    this.#sweeper.unref();
  }

  /**
   * Records one event with the parameters the manual documents for it (event.catalog.ts);
   * optional parameters left undefined are not sent.
   */
  record<E extends EventType>(event: E, params: EventParams[E]): LogEvent {
    const entry: LogEvent = {
      id: this.#nextId++,
      // The device's time zone at the moment of the event (system/timezone).
      tzShift: this.clock.tzShift?.() ?? 0,
      utcTime: this.clock.utcTime(),
      upTime: this.clock.upTime(),
      event,
      params: Object.fromEntries(
        Object.entries(params).filter(([, value]) => value !== undefined),
      ) as LogEvent['params'],
    };
    this.#events.push(entry);
    if (this.#events.length > MAX_EVENTS) this.#events.splice(0, this.#events.length - MAX_EVENTS);
    for (const sub of this.#subscriptions.values()) {
      if (sub.wants(event)) for (const wake of sub.waiters) wake();
    }
    return entry;
  }

  /** A restart loses the subscriptions, as on the real device. */
  dropSubscriptions(): void {
    for (const sub of this.#subscriptions.values()) for (const wake of sub.waiters) wake();
    this.#subscriptions.clear();
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.dropSubscriptions();
  }

  parseFilter(filter: string | undefined): Set<EventType> | null {
    if (filter === undefined || filter.trim() === '') return null;
    const names = filter
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    for (const name of names) {
      if (!(EVENT_TYPES as readonly string[]).includes(name)) {
        throw invalidParam(
          'filter',
          `Unknown event type "${name}"; /api/log/caps lists the ones this device records.`,
        );
      }
    }
    return new Set(names as EventType[]);
  }

  /**
   * Opens a channel. `privileges` are the subscribing account's (null: authentication None,
   * everything); events the account may not monitor are never delivered to it.
   */
  subscribe(options: {
    include?: string;
    filter?: string;
    duration?: number;
    privileges?: readonly string[] | null;
  }): number {
    const filter = this.parseFilter(options.filter);
    const privileges = options.privileges ?? null;
    // 2N HTTP API §5.10.2: events the account may not monitor never enter its channel.
    const wants = (event: EventType) => {
      if (filter && !filter.has(event)) return false;
      const needed = EVENT_PRIVILEGE[event];
      return !needed || privileges === null || privileges.includes(needed);
    };
    const duration = options.duration ?? 90;
    if (!Number.isInteger(duration) || duration < 1 || duration > 3600) {
      throw invalidParam('duration', 'Use a duration from 1 to 3600 seconds.');
    }
    let next: number;
    const include = options.include ?? 'new';
    if (include === 'new') next = this.#nextId;
    else if (include === 'all') next = this.#events[0]?.id ?? this.#nextId;
    else if (/^-\d+$/.test(include)) {
      const since = this.clock.utcTime() + Number(include);
      next = this.#events.find((e) => e.utcTime >= since)?.id ?? this.#nextId;
    } else {
      throw invalidParam('include', 'Use include=new, include=all or include=-SECONDS (e.g. -60).');
    }
    this.#expire();
    if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw new DeviceError(
        14,
        `The device keeps at most ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe the ones you no longer pull.`,
      );
    }
    let id: number;
    do id = randomInt(1, 2 ** 31);
    while (this.#subscriptions.has(id));
    this.#subscriptions.set(id, {
      id,
      wants,
      next,
      duration,
      expiresAt: Date.now() + duration * 1000,
      waiters: new Set(),
    });
    return id;
  }

  unsubscribe(id: number): void {
    const sub = this.#get(id);
    for (const wake of sub.waiters) wake();
    this.#subscriptions.delete(id);
  }

  /** Returns unread events at once, or waits up to `timeout` seconds for the next one. */
  async pull(id: number, timeout: number, signal?: AbortSignal): Promise<LogEvent[]> {
    const sub = this.#get(id);
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_PULL_TIMEOUT) {
      throw invalidParam('timeout', `Use a timeout from 0 to ${MAX_PULL_TIMEOUT} seconds.`);
    }
    let batch = this.#take(sub);
    if (batch.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          sub.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeout * 1000);
        sub.waiters.add(done);
        signal?.addEventListener('abort', done);
      });
      if (!this.#subscriptions.has(id)) return [];
      batch = this.#take(sub);
    }
    sub.expiresAt = Date.now() + sub.duration * 1000;
    return batch;
  }

  caps(): EventType[] {
    return [...EVENT_TYPES];
  }

  #take(sub: Subscription): LogEvent[] {
    const batch: LogEvent[] = [];
    for (const event of this.#events) {
      if (event.id < sub.next) continue;
      if (batch.length >= BATCH) break;
      sub.next = event.id + 1;
      if (sub.wants(event.event)) batch.push(event);
    }
    return batch;
  }

  #get(id: number): Subscription {
    this.#expire();
    const sub = this.#subscriptions.get(id);
    if (!sub) {
      throw invalidParam(
        'id',
        'There is no subscription with this id (it may have expired); call /api/log/subscribe again.',
      );
    }
    return sub;
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, sub] of this.#subscriptions) {
      if (sub.expiresAt < now && sub.waiters.size === 0) this.#subscriptions.delete(id);
    }
  }
}
