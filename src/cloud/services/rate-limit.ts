import { iso } from './clock.ts';

export interface RateLimitPolicy {
  maxFailures: number;
  windowMs: number;
}

/**
 * DESIGN.md "Claim rules": 10 failures in 15 minutes per account and per address. The same
 * figures say when the owner hears of wrong codes on their device (never a refusal).
 */
export const defaultClaimLimits: RateLimitPolicy = { maxFailures: 10, windowMs: 15 * 60_000 };

export type Scope = { scope: string; key: string };

/** The start of the window the failures are counted in, as stored. */
export const windowStart = (policy: RateLimitPolicy, now: Date) =>
  iso(new Date(now.getTime() - policy.windowMs));
