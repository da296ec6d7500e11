import { throttleKeyOf } from '../../core/client-address.rules.ts';
import { LatchkeyError } from '../../core/errors.ts';
import { loginAttemptsRepo, type AttemptFilter } from '../store/repos/login-attempts.repo.ts';
import type { Executor } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';

/** At most `max` attempts in any `windowMs`. */
export interface ThrottlePolicy {
  max: number;
  windowMs: number;
}

export interface LoginLimits {
  /** Failed sign-ins from one address, whatever the account. */
  perAddress: ThrottlePolicy;
  /** Failed sign-ins for one account from one address. */
  perPair: ThrottlePolicy;
  /**
   * Failed sign-ins for one account from all addresses. Above it, only an address that has not
   * failed on the account within the window may still try (docs/decisions.md, issue 14).
   */
  perAccount: ThrottlePolicy;
  /** Registrations (successful or not) from one address. */
  registrationsPerAddress: ThrottlePolicy;
  /** Password reset mails asked for one e-mail address (known or not), from anywhere. */
  resetsPerAccount: ThrottlePolicy;
  /** Password reset mails asked for from one client address, whatever the e-mail address. */
  resetsPerAddress: ThrottlePolicy;
}

const MINUTE = 60_000;

/** Defaults; `latchkey serve` takes each as an option (docs/security.md). */
export const defaultLoginLimits: LoginLimits = {
  perAddress: { max: 10, windowMs: 15 * MINUTE },
  perPair: { max: 5, windowMs: 15 * MINUTE },
  perAccount: { max: 20, windowMs: 15 * MINUTE },
  registrationsPerAddress: { max: 30, windowMs: 60 * MINUTE },
  resetsPerAccount: { max: 5, windowMs: 60 * MINUTE },
  resetsPerAddress: { max: 30, windowMs: 60 * MINUTE },
};

export interface LoginThrottleDeps {
  store: Store;
  clock: Clock;
  limits: LoginLimits;
}

/**
 * Brute-force protection of sign-in and registration, counted in the database so that every
 * node of a cluster shares it. An attempt is admitted and recorded in one transaction, before
 * the password is checked: parallel guesses cannot all pass a check none has recorded yet.
 */
export function createLoginThrottle(deps: LoginThrottleDeps) {
  const { store, clock, limits } = deps;
  const longestWindow = Math.max(...Object.values(limits).map((p: ThrottlePolicy) => p.windowMs));

  /** When the scope has room again (ms since the epoch), or 0 when it has room now. */
  async function freeAt(trx: Executor, filter: AttemptFilter, policy: ThrottlePolicy, now: Date) {
    const since = iso(new Date(now.getTime() - policy.windowMs));
    const limiting = await loginAttemptsRepo(trx, store.dialect).nthNewest(
      filter,
      since,
      policy.max,
    );
    return limiting === null ? 0 : Date.parse(limiting) + policy.windowMs;
  }

  /** The pair may try while the account is above its ceiling only if it has not failed on it. */
  async function accountFreeAt(trx: Executor, address: string, account: string, now: Date) {
    const ceiling = await freeAt(trx, { kind: 'login', account }, limits.perAccount, now);
    if (ceiling === 0) return 0;
    const pairWindow = { max: 1, windowMs: limits.perAccount.windowMs };
    const pairFailed = await freeAt(trx, { kind: 'login', account, address }, pairWindow, now);
    return pairFailed === 0 ? 0 : Math.min(ceiling, pairFailed);
  }

  const retryAfterSeconds = (until: number, now: Date) =>
    Math.max(1, Math.ceil((until - now.getTime()) / 1000));

  async function prune(trx: Executor, now: Date) {
    await loginAttemptsRepo(trx, store.dialect).prune(iso(new Date(now.getTime() - longestWindow)));
  }

  return {
    /**
     * Admits one sign-in for `account` (the normalised e-mail, known or not: the answer must not
     * tell which) from `address` and records it as failed, or throws TOO_MANY_LOGIN_ATTEMPTS
     * with the wait. `succeeded` takes the record back when the password was right.
     */
    async admitLogin(account: string, clientAddress: string): Promise<void> {
      const address = throttleKeyOf(clientAddress);
      await store.transaction(async (trx) => {
        const repo = loginAttemptsRepo(trx, store.dialect);
        await repo.lock({ address, account });
        const now = clock.now();
        const until = Math.max(
          await freeAt(trx, { kind: 'login', address }, limits.perAddress, now),
          await freeAt(trx, { kind: 'login', address, account }, limits.perPair, now),
          await accountFreeAt(trx, address, account, now),
        );
        if (until > now.getTime()) {
          throw new LatchkeyError('TOO_MANY_LOGIN_ATTEMPTS', {
            retryAfterSeconds: retryAfterSeconds(until, now),
          });
        }
        await repo.record({ kind: 'login', address, account, created_at: iso(now) });
        await prune(trx, now);
      });
    },

    /** The right password: the pair's failures, this attempt's among them, are forgotten. */
    succeeded: (account: string, clientAddress: string) =>
      loginAttemptsRepo(store.db, store.dialect).clearPair(account, throttleKeyOf(clientAddress)),

    /**
     * Admits and records one password reset request for `account` (the normalised e-mail,
     * whether or not it has an account: the answer must not tell) from `address`, or throws
     * TOO_MANY_RESET_REQUESTS. Keeps a stranger from filling someone's mailbox.
     */
    async admitResetRequest(account: string, clientAddress: string): Promise<void> {
      const address = throttleKeyOf(clientAddress);
      await store.transaction(async (trx) => {
        const repo = loginAttemptsRepo(trx, store.dialect);
        await repo.lock({ address, account: `reset:${account}` });
        const now = clock.now();
        const until = Math.max(
          await freeAt(trx, { kind: 'reset', account }, limits.resetsPerAccount, now),
          await freeAt(trx, { kind: 'reset', address }, limits.resetsPerAddress, now),
        );
        if (until > now.getTime()) {
          throw new LatchkeyError('TOO_MANY_RESET_REQUESTS', {
            retryAfterSeconds: retryAfterSeconds(until, now),
          });
        }
        await repo.record({ kind: 'reset', address, account, created_at: iso(now) });
        await prune(trx, now);
      });
    },

    /**
     * A Bearer token that matched nothing (issue 16): recorded as a failed sign-in of the
     * address, so guesses share the per-address limit with passwords. Throws
     * TOO_MANY_LOGIN_ATTEMPTS once the address is over it (nothing more is recorded then).
     */
    async failedBearer(clientAddress: string): Promise<void> {
      const address = throttleKeyOf(clientAddress);
      await store.transaction(async (trx) => {
        const repo = loginAttemptsRepo(trx, store.dialect);
        await repo.lock({ address });
        const now = clock.now();
        const until = await freeAt(trx, { kind: 'login', address }, limits.perAddress, now);
        if (until > now.getTime()) {
          throw new LatchkeyError('TOO_MANY_LOGIN_ATTEMPTS', {
            retryAfterSeconds: retryAfterSeconds(until, now),
          });
        }
        await repo.record({ kind: 'login', address, account: null, created_at: iso(now) });
        await prune(trx, now);
      });
    },

    /** Admits and records one registration from `address`, or throws TOO_MANY_REGISTRATIONS. */
    async admitRegistration(clientAddress: string): Promise<void> {
      const address = throttleKeyOf(clientAddress);
      await store.transaction(async (trx) => {
        const repo = loginAttemptsRepo(trx, store.dialect);
        await repo.lock({ address });
        const now = clock.now();
        const policy = limits.registrationsPerAddress;
        const until = await freeAt(trx, { kind: 'register', address }, policy, now);
        if (until > now.getTime()) {
          throw new LatchkeyError('TOO_MANY_REGISTRATIONS', {
            retryAfterSeconds: retryAfterSeconds(until, now),
          });
        }
        await repo.record({ kind: 'register', address, account: null, created_at: iso(now) });
        await prune(trx, now);
      });
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
