import type { AccessEventMessage } from '../../core/link.protocol.ts';

/**
 * Door events that happened while the link was down, sent when it is back: an installer
 * expects a door event not to vanish in a network blip. Bounded (the oldest go first) so a
 * device offline for days does not grow without end (docs/decisions.md, "Buildings").
 */
export const ACCESS_EVENTS_KEPT_OFFLINE = 500;

export class AccessEventsBuffer {
  #held: AccessEventMessage[] = [];
  readonly #limit: number;
  constructor(limit = ACCESS_EVENTS_KEPT_OFFLINE) {
    this.#limit = limit;
  }

  hold(event: AccessEventMessage): void {
    this.#held.push(event);
    if (this.#held.length > this.#limit) this.#held.shift();
  }

  /** What was held, oldest first; the buffer is empty afterwards. */
  drain(): AccessEventMessage[] {
    return this.#held.splice(0);
  }

  get size(): number {
    return this.#held.length;
  }
}
