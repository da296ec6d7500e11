/** How many failures one client address may make before it is refused for a while. */
export interface FailureLimit {
  /** Failures within `windowMs` that start a block. */
  maxFailures: number;
  windowMs: number;
  /** How long the address is then refused, right password or not. */
  blockMs: number;
}

export const DEFAULT_API_GUESS_LIMIT: FailureLimit = {
  maxFailures: 10,
  windowMs: 60_000,
  blockMs: 60_000,
};

/** Bounds the memory an attacker cycling addresses can make the device spend on bookkeeping. */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Counts authentication failures per client address in a sliding window. The key is the
 * address only, never the user name, so guessing many names from one address is limited too.
 */
export class FailureLimiter {
  readonly #records = new Map<string, { times: number[]; blockedUntil: number }>();
  limit: FailureLimit;
  readonly #now: () => number;

  constructor(limit: FailureLimit, now: () => number = Date.now) {
    this.limit = limit;
    this.#now = now;
  }

  /** Seconds the address must still wait, or 0 when it may try. */
  blockedForSeconds(address: string): number {
    const record = this.#records.get(address);
    const left = (record?.blockedUntil ?? 0) - this.#now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  recordFailure(address: string): void {
    const now = this.#now();
    const record = this.#records.get(address);
    const times = [...(record?.times ?? []).filter((t) => t > now - this.limit.windowMs), now];
    const blocked = times.length >= this.limit.maxFailures;
    this.#records.delete(address);
    if (this.#records.size >= MAX_TRACKED_ADDRESSES) {
      // Map order is insertion order: the first entry is the least recently failing address.
      this.#records.delete(this.#records.keys().next().value!);
    }
    this.#records.set(address, {
      times: blocked ? [] : times,
      blockedUntil: blocked ? now + this.limit.blockMs : (record?.blockedUntil ?? 0),
    });
  }
}
