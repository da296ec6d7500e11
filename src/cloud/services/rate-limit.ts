import { LatchkeyError } from '../../core/errors.ts';
import { attemptsRepo } from '../store/repos/attempts.repo.ts';
import type { StoreDialect } from '../store/dialect.ts';
import type { Executor } from '../store/schema.ts';
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

/**
 * TOO_MANY_ATTEMPTS (with the seconds until the oldest failure leaves the window) when any
 * scope has reached the limit, else null. Call it inside the transaction that records the
 * outcome: it locks the scopes first, so simultaneous attempts are counted one after the other.
 */
export async function limitReached(
  db: Executor,
  dialect: StoreDialect,
  scopes: Scope[],
  policy: RateLimitPolicy,
  now: Date,
): Promise<LatchkeyError | null> {
  let retryAfterMs = 0;
  const attempts = attemptsRepo(db, dialect);
  await attempts.lock(scopes);
  // A scope is full when its limit-th newest failure is inside the window; it frees up when that
  // failure leaves the window (earlier failures left it already or leave it sooner). The
  // PostgreSQL claim function checks the same rule under its own locks (postgres.functions.ts).
  const limiting = await attempts.limitingFailures(
    scopes,
    windowStart(policy, now),
    policy.maxFailures,
  );
  for (const failure of limiting) {
    if (failure !== null) {
      const freeAt = new Date(failure).getTime() + policy.windowMs;
      retryAfterMs = Math.max(retryAfterMs, freeAt - now.getTime());
    }
  }
  if (retryAfterMs <= 0) return null;
  return new LatchkeyError('TOO_MANY_ATTEMPTS', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}
