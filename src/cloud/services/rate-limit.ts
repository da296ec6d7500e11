import { LatchkeyError } from '../../core/errors.ts';
import { attemptsRepo } from '../store/repos/attempts.repo.ts';
import type { StoreDialect } from '../store/dialect.ts';
import type { Executor } from '../store/schema.ts';
import { iso } from './clock.ts';

export interface RateLimitPolicy {
  maxFailures: number;
  windowMs: number;
}

/** DESIGN.md "Claim rules": 10 failures in 15 minutes per account, per address, per serial. */
export const defaultClaimLimits: RateLimitPolicy = { maxFailures: 10, windowMs: 15 * 60_000 };

export type Scope = { scope: string; key: string };

/**
 * Throws TOO_MANY_ATTEMPTS (with the seconds until the oldest failure leaves the window) when
 * any scope has reached the limit. Call it inside the transaction that records the outcome:
 * it locks the scopes first, so simultaneous attempts are counted one after the other.
 */
export async function assertUnderLimit(
  db: Executor,
  dialect: StoreDialect,
  scopes: Scope[],
  policy: RateLimitPolicy,
  now: Date,
): Promise<void> {
  const since = iso(new Date(now.getTime() - policy.windowMs));
  let retryAfterMs = 0;
  const attempts = attemptsRepo(db, dialect);
  await attempts.lock(scopes);
  // A scope is full when its limit-th newest failure is inside the window; it frees up when that
  // failure leaves the window (earlier failures left it already or leave it sooner).
  for (const limiting of await attempts.limitingFailures(scopes, since, policy.maxFailures)) {
    if (limiting !== null) {
      const freeAt = new Date(limiting).getTime() + policy.windowMs;
      retryAfterMs = Math.max(retryAfterMs, freeAt - now.getTime());
    }
  }
  if (retryAfterMs > 0) {
    throw new LatchkeyError('TOO_MANY_ATTEMPTS', {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }
}
