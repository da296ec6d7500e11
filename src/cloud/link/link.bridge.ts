import { randomUUID } from 'node:crypto';
import {
  parseEventMessage,
  parsePresenceMessage,
  parseReplyMessage,
  parseStateMessage,
  type CommandMessage,
  type CommandName,
  type DeviceTopicKind,
  type ReplyMessage,
} from '../../core/link.protocol.ts';
import type { DeviceLinkService } from '../services/device-link.service.ts';
import type { CloudEventBus } from '../services/events.ts';
import type { LinkTransport } from './link.transport.ts';

export interface LinkLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** How a command ended: answered ok, answered with a refusal, not answered, or not sent. */
export type CommandOutcome = 'ok' | 'refused' | 'timeout' | 'failed';

/** What the bridge reports for metrics (metrics/link.metrics.ts implements it). */
export interface LinkMetrics {
  message(direction: 'in' | 'out', kind: DeviceTopicKind): void;
  commandAnswered(command: CommandName, outcome: CommandOutcome, seconds: number): void;
}

const noLinkMetrics: LinkMetrics = { message() {}, commandAnswered() {} };

/** A command the device did not answer in time. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
}

/**
 * Connects the transport to the cloud's services: parses what devices publish and calls the
 * same services the HTTP routes call; sends commands with ids and waits for their replies.
 */
export class LinkBridge {
  readonly #pending = new Map<
    string,
    {
      resolve: (reply: ReplyMessage) => void;
      reject: (error: Error) => void;
      timer: NodeJS.Timeout;
    }
  >();
  /** Issue 19: commands answered by many replies (relay.protocol.ts), each until its last. */
  readonly #streams = new Map<string, (reply: ReplyMessage) => boolean>();
  // One chain per device, so a device's messages are handled in the order it sent them.
  readonly #queues = new Map<string, Promise<void>>();
  /**
   * The presence last logged per device: a device's goodbye and its will may both arrive (two
   * offline messages for one change), and a change is one line.
   */
  readonly #logged = new Map<string, boolean>();
  readonly #onOwnershipChanged = (change: { serialNumber: string }) => {
    this.#tellOwnership(change.serialNumber);
  };

  private readonly transport: LinkTransport;
  private readonly service: DeviceLinkService;
  private readonly events: CloudEventBus;
  private readonly log: LinkLog;
  private readonly commandTimeoutMs: number;
  /**
   * With an external broker and several nodes, a device's "offline" (its will) and its
   * "online" after a quick reconnect may be handled by two nodes in either order. Then an
   * offline is believed only when the device does not answer a report-state within this
   * many milliseconds. Null (the embedded broker, one node, in order): believed at once.
   */
  private readonly confirmOfflineMs: number | null;
  private readonly metrics: LinkMetrics;
  constructor(
    transport: LinkTransport,
    service: DeviceLinkService,
    events: CloudEventBus,
    log: LinkLog,
    commandTimeoutMs = 5000,
    confirmOfflineMs: number | null = null,
    metrics: LinkMetrics = noLinkMetrics,
  ) {
    this.metrics = metrics;
    this.transport = transport;
    this.service = service;
    this.events = events;
    this.log = log;
    this.commandTimeoutMs = commandTimeoutMs;
    this.confirmOfflineMs = confirmOfflineMs;
    transport.onDeviceMessage((serial, kind, payload) => this.#enqueue(serial, kind, payload));
    events.on('ownership-changed', this.#onOwnershipChanged);
  }

  /** Sends a command and resolves with the device's reply; rejects after the timeout. */
  command(
    serial: string,
    name: CommandName,
    args: Record<string, unknown> = {},
    timeoutMs = this.commandTimeoutMs,
  ): Promise<ReplyMessage> {
    const message: CommandMessage = { id: randomUUID(), name, args };
    const started = performance.now();
    const answered = (outcome: CommandOutcome) =>
      this.metrics.commandAnswered(name, outcome, (performance.now() - started) / 1000);
    return new Promise<ReplyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(message.id);
        answered('timeout');
        reject(
          new CommandTimeoutError(`device ${serial} did not answer "${name}" in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.#pending.set(message.id, {
        resolve: (reply) => {
          answered(reply.ok ? 'ok' : 'refused');
          resolve(reply);
        },
        reject: (error) => {
          answered('failed');
          reject(error);
        },
        timer,
      });
      this.#send(serial, message).catch((error: Error) => {
        clearTimeout(timer);
        this.#pending.delete(message.id);
        answered('failed');
        reject(error);
      });
    });
  }

  #send(serial: string, message: CommandMessage): Promise<void> {
    this.metrics.message('out', 'commands');
    return this.transport.sendCommand(serial, Buffer.from(JSON.stringify(message)));
  }

  /**
   * Sends a command answered by several replies (the relay's `http-request`): `onReply` gets
   * every reply of its id, in the order they arrive, until it returns true (the last) or the
   * caller closes the stream. No timer here: the caller bounds the whole exchange. A node gets
   * the replies of every node's commands (broker.transport.ts) and keeps only its own ids.
   */
  stream(
    serial: string,
    name: CommandName,
    args: Record<string, unknown>,
    onReply: (reply: ReplyMessage) => boolean,
    id: string = randomUUID(),
  ): { sent: Promise<void>; close: () => void } {
    const message: CommandMessage = { id, name, args };
    this.#streams.set(id, onReply);
    const close = () => void this.#streams.delete(id);
    const sent = this.#send(serial, message).catch((error: Error) => {
      close();
      throw error;
    });
    return { sent, close };
  }

  close(): void {
    this.#streams.clear();
    this.events.off('ownership-changed', this.#onOwnershipChanged);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the device link is closing'));
      this.#pending.delete(id);
    }
  }

  /**
   * `site` is the name the device shows; issue 17 adds the site's id (the device drops another
   * site's cloud-managed entries at once) and the Configuration Mode its UIs show.
   */
  #tellOwnership(serial: string): void {
    // A device not linked here would not get it (clean sessions keep nothing); it is told on
    // connect. Sending anyway would cost a command and a 5 s timer for every claim.
    if (this.transport.isLinked?.(serial) === false) return;
    this.service
      .ownership(serial)
      .then((owner) =>
        this.command(serial, 'set-ownership', {
          site: owner?.siteName ?? null,
          siteId: owner?.siteId ?? null,
          configurationMode: owner?.configurationMode ?? null,
        }),
      )
      .catch((error: Error) =>
        this.log.info(
          { serial, reason: error.message },
          'device link: ownership not delivered now; sent again when the device connects',
        ),
      );
  }

  #enqueue(serial: string, kind: DeviceTopicKind, payload: Buffer): void {
    this.metrics.message('in', kind);
    // Replies need no order, and a handler in the queue may be waiting for one.
    if (kind === 'replies') {
      this.#handle(serial, kind, payload).catch((error: unknown) =>
        this.log.error({ err: error, serial, kind }, 'device link: message failed'),
      );
      return;
    }
    const previous = this.#queues.get(serial) ?? Promise.resolve();
    const next = previous
      .then(() => this.#handle(serial, kind, payload))
      .catch((error: unknown) =>
        this.log.error({ err: error, serial, kind }, 'device link: message failed'),
      )
      .finally(() => {
        if (this.#queues.get(serial) === next) this.#queues.delete(serial);
      });
    this.#queues.set(serial, next);
  }

  async #handle(serial: string, kind: DeviceTopicKind, payload: Buffer): Promise<void> {
    switch (kind) {
      case 'presence': {
        const presence = parsePresenceMessage(payload);
        if (!presence.ok) return this.#invalid(serial, kind, presence.message);
        if (!presence.value.online && (await this.#answers(serial))) {
          this.log.info({ serial }, 'device link: offline ignored, the device answers');
          return;
        }
        await this.service.presence(serial, presence.value.online);
        this.#logChange(serial, presence.value.online);
        if (presence.value.online) this.#tellOwnership(serial);
        return;
      }
      case 'state': {
        const state = parseStateMessage(payload);
        if (!state.ok) return this.#invalid(serial, kind, state.message);
        return this.service.state(serial, state.value);
      }
      case 'events': {
        const event = parseEventMessage(payload);
        if (!event.ok) return this.#invalid(serial, kind, event.message);
        return this.service.event(serial, event.value);
      }
      case 'replies': {
        const reply = parseReplyMessage(payload);
        if (!reply.ok) return this.#invalid(serial, kind, reply.message);
        const streamed = this.#streams.get(reply.value.id);
        if (streamed) {
          if (streamed(reply.value)) this.#streams.delete(reply.value.id);
          return;
        }
        const pending = this.#pending.get(reply.value.id);
        if (!pending) return;
        clearTimeout(pending.timer);
        this.#pending.delete(reply.value.id);
        pending.resolve(reply.value);
        return;
      }
      case 'commands':
        return;
    }
  }

  /** One line per link change, for an operator following a device (issue 20). */
  #logChange(serial: string, online: boolean): void {
    if (this.#logged.get(serial) === online) return;
    this.#logged.set(serial, online);
    if (online) {
      this.log.info({ serial, online, reason: 'connected' }, 'device link: online');
    } else {
      this.log.info({ serial, online, reason: 'goodbye or last will' }, 'device link: offline');
    }
  }

  /** Whether the device answers now (only when offlines are to be confirmed). */
  async #answers(serial: string): Promise<boolean> {
    if (this.confirmOfflineMs === null) return false;
    try {
      return (await this.command(serial, 'report-state', {}, this.confirmOfflineMs)).ok;
    } catch {
      return false;
    }
  }

  #invalid(serial: string, kind: string, reason: string): void {
    this.log.warn({ serial, kind, reason }, 'device link: message ignored');
  }
}
