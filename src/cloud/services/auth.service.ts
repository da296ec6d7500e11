import { randomUUID } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { LatchkeyError } from '../../core/errors.ts';
import { checkAccountPassword } from '../../core/password.rules.ts';
import type { MailQueue } from '../mail/mailer.ts';
import { passwordResetMail } from '../mail/templates.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import { passwordResetsRepo } from '../store/repos/password-resets.repo.ts';
import { credentialsRepo } from '../store/repos/sessions.repo.ts';
import { usersRepo } from '../store/repos/users.repo.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';
import type { TokenScope } from './actor.ts';
import type { LoginThrottle } from './login-throttle.service.ts';
import type { PortalLinks } from './portal-links.ts';
import type { TwoFactorService } from './two-factor.service.ts';
import { csrfTokenFor, hashToken, newToken, safeEqual } from './tokens.ts';

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
// (Algorithm is a const enum, which verbatimModuleSyntax cannot import as a value; 2 is Argon2id.)
export const ARGON2 = {
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

export interface AuthServiceDeps {
  store: Store;
  clock: Clock;
  csrfKey: Buffer;
  sessionTtlMs: number;
  throttle: LoginThrottle;
  mail: MailQueue;
  links: PortalLinks;
  /** The second step of a sign-in for people who use two-factor sign-in. */
  twoFactor: Pick<TwoFactorService, 'hasTwoFactor' | 'startChallenge' | 'completeChallenge'>;
}

/** How long a password reset link works (issue 16). */
export const RESET_TOKEN_TTL_MS = 60 * 60_000;

function checkPassword(password: string, email: string) {
  const strength = checkAccountPassword(password, email);
  if (!strength.ok) {
    throw new LatchkeyError('PASSWORD_TOO_WEAK', {
      cause: strength.message,
      fields: [{ field: 'password', message: strength.message }],
    });
  }
}

/** Where a sign-in came from, recorded on its session (GET /api/sessions). */
export interface ClientInfo {
  address: string;
  userAgent?: string | undefined;
}

/** Last use is written at most this often per session or token: not a write per request. */
export const LAST_USE_RESOLUTION_MS = 60_000;

const MAX_USER_AGENT = 256;

export interface SessionGrant {
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export const publicUser = (row: {
  id: string;
  email: string;
  name: string;
  created_at: string;
}) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.created_at,
});

/** Registration, sign-in, and resolving sessions and API tokens (account.service.ts manages them). */
export function createAuthService(deps: AuthServiceDeps) {
  const { store, clock } = deps;
  // Verifying against a real hash when the e-mail is unknown keeps login timing the same.
  const dummyHash = hash('not-a-real-password', ARGON2);

  async function openSession(userId: string, client: ClientInfo): Promise<SessionGrant> {
    const sessionToken = newToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + deps.sessionTtlMs);
    await credentialsRepo(store.db).insertSession({
      token_hash: hashToken(sessionToken),
      id: randomUUID(),
      user_id: userId,
      created_at: iso(now),
      expires_at: iso(expiresAt),
      user_agent: client.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      address: client.address,
      last_used_at: iso(now),
    });
    return { sessionToken, csrfToken: csrfTokenFor(deps.csrfKey, sessionToken), expiresAt };
  }

  /**
   * Registration's checks and password hash, the row not yet written: the password rules, the
   * per-address registration limit, and EMAIL_TAKEN (the unique index decides again on insert).
   * Shared with accepting an invitation, which writes the row in its own transaction.
   */
  async function newAccount(
    input: { email: string; password: string; name: string },
    address: string,
  ) {
    const email = input.email.trim().toLowerCase();
    checkPassword(input.password, email);
    // Counted from here on, EMAIL_TAKEN too: it tells whether an address has an account.
    await deps.throttle.admitRegistration(address);
    if (await usersRepo(store.db).findByEmail(email)) throw new LatchkeyError('EMAIL_TAKEN');
    const passwordHash = await hash(input.password, ARGON2);
    return {
      id: randomUUID(),
      email,
      name: input.name.trim(),
      password_hash: passwordHash,
      created_at: iso(clock.now()),
    };
  }

  return {
    newAccount,
    openSession,

    /** `address` is the client's (trust-proxy aware); registrations are limited per address. */
    async register(
      input: { email: string; password: string; name: string; companyName?: string },
      address: string,
      userAgent?: string,
    ) {
      const user = await newAccount(input, address);
      const now = user.created_at;
      const company = {
        id: randomUUID(),
        name: input.companyName?.trim() || `${user.name}'s company`,
        created_at: now,
      };
      try {
        await store.transaction(async (trx) => {
          await usersRepo(trx).insert(user);
          await companiesRepo(trx).insert(company);
          await companiesRepo(trx).insertMembership({
            user_id: user.id,
            company_id: company.id,
            role: 'admin',
            created_at: now,
          });
        });
      } catch (error) {
        // Two registrations of one address at once: the unique index decides.
        if (store.dialect.isUniqueViolation(error)) throw new LatchkeyError('EMAIL_TAKEN');
        throw error;
      }
      const session = await openSession(user.id, { address, userAgent });
      return {
        user: publicUser(user),
        company: { id: company.id, name: company.name, role: 'admin' as const },
        session,
      };
    },

    /** Throttled per address, account and pair before the password is checked (issue 14). */
    async login(input: { email: string; password: string }, address: string, userAgent?: string) {
      const email = input.email.trim().toLowerCase();
      await deps.throttle.admitLogin(email, address);
      const user = await usersRepo(store.db).findByEmail(email);
      const valid = await verify(user?.password_hash ?? (await dummyHash), input.password);
      if (!user || !valid) throw new LatchkeyError('INVALID_CREDENTIALS');
      if (await deps.twoFactor.hasTwoFactor(user.id)) {
        // No session yet. The attempt stays counted in the throttle until the code is right,
        // so signing in again with the password cannot clear the count of wrong codes.
        return {
          twoFactorRequired: true as const,
          challenge: await deps.twoFactor.startChallenge(user.id),
        };
      }
      await deps.throttle.succeeded(email, address);
      return {
        twoFactorRequired: false as const,
        user: publicUser(user),
        session: await openSession(user.id, { address, userAgent }),
      };
    },

    /** The second step of a sign-in: the challenge of the first step and a code. */
    async completeTwoFactorLogin(
      input: { challenge: string; code: string },
      address: string,
      userAgent?: string,
    ) {
      const user = await deps.twoFactor.completeChallenge(input.challenge, input.code, address);
      return {
        user: publicUser(user),
        session: await openSession(user.id, { address, userAgent }),
      };
    },

    /**
     * Mails a reset link when the address has an account; answers the same either way (the
     * route says 202), after the same throttle and the same lookup. The mail leaves in the
     * background, so its sending does not tell either.
     */
    async requestPasswordReset(input: { email: string }, address: string): Promise<void> {
      const email = input.email.trim().toLowerCase();
      await deps.throttle.admitResetRequest(email, address);
      const user = await usersRepo(store.db).findByEmail(email);
      const token = newToken();
      const now = clock.now();
      const repo = passwordResetsRepo(store.db);
      await repo.deleteExpired(iso(now));
      if (!user) return;
      await repo.insert({
        token_hash: hashToken(token),
        user_id: user.id,
        created_at: iso(now),
        expires_at: iso(new Date(now.getTime() + RESET_TOKEN_TTL_MS)),
      });
      deps.mail.send(
        passwordResetMail({
          to: user.email,
          name: user.name,
          link: deps.links.passwordReset(token),
        }),
      );
    },

    /**
     * Sets a new password with a reset link's token: once, within the hour. Ends every session
     * of the person and every other reset link. A weak password leaves the link usable.
     */
    async resetPassword(token: string, password: string): Promise<void> {
      const tokenHash = hashToken(token);
      const link = await passwordResetsRepo(store.db).findValid(tokenHash, iso(clock.now()));
      const user = link && (await usersRepo(store.db).findById(link.user_id));
      if (!link || !user) throw new LatchkeyError('RESET_TOKEN_INVALID');
      checkPassword(password, user.email);
      const passwordHash = await hash(password, ARGON2);
      await store.transaction(async (trx) => {
        // Checked again where it is used up: two uses at once, or the hour ending meanwhile.
        if (!(await passwordResetsRepo(trx).consume(tokenHash, iso(clock.now())))) {
          throw new LatchkeyError('RESET_TOKEN_INVALID');
        }
        await passwordResetsRepo(trx).deleteOf(user.id);
        await usersRepo(trx).setPasswordHash(user.id, passwordHash);
        await credentialsRepo(trx).deleteSessionsOf(user.id);
      });
    },

    logout: (sessionToken: string) =>
      credentialsRepo(store.db).deleteSession(hashToken(sessionToken)),

    /**
     * The person behind a session cookie and the session's id, or null when it is unknown or
     * expired. The last use is written at most once a minute.
     */
    async resolveSession(sessionToken: string) {
      const repo = credentialsRepo(store.db);
      const session = await repo.findSession(hashToken(sessionToken));
      if (!session) return null;
      const now = clock.now();
      if (session.expires_at <= iso(now)) {
        await repo.deleteSession(session.token_hash);
        return null;
      }
      if (
        !session.last_used_at ||
        now.getTime() - Date.parse(session.last_used_at) >= LAST_USE_RESOLUTION_MS
      ) {
        await repo.touchSession(session.token_hash, iso(now));
      }
      const user = await usersRepo(store.db).findById(session.user_id);
      return user
        ? { user: publicUser(user), session: { id: session.id, tokenHash: session.token_hash } }
        : null;
    },

    /**
     * The person behind an API token and the token's scope and company, or null when it is
     * unknown, expired, revoked, or its person has left its company. It is found by the SHA-256
     * of what was presented: an index lookup on a hash, so no comparison of secrets leaks
     * timing. A miss counts as a failed sign-in of the address (may throw
     * TOO_MANY_LOGIN_ATTEMPTS).
     */
    async resolveApiToken(token: string, address: string) {
      const repo = credentialsRepo(store.db);
      const row = await repo.findTokenWithUser(hashToken(token));
      const now = clock.now();
      const valid =
        row !== undefined &&
        (row.expires_at === null || row.expires_at > iso(now)) &&
        (row.company_id === null || row.member_of !== null);
      if (!valid) {
        await deps.throttle.failedBearer(address);
        return null;
      }
      // "Last used" to the minute: a write on every request cost the benchmark's ceiling route
      // a third of its throughput (bench/NOTES.md).
      if (
        !row.last_used_at ||
        now.getTime() - Date.parse(row.last_used_at) >= LAST_USE_RESOLUTION_MS
      ) {
        await repo.touchToken(row.id, iso(now));
      }
      return {
        user: publicUser({
          id: row.user_id,
          email: row.email,
          name: row.name,
          created_at: row.user_created_at,
        }),
        token: {
          id: row.id,
          scope: (row.scope === 'read' ? 'read' : 'manage') as TokenScope,
          companyId: row.company_id,
        },
      };
    },

    csrfTokenFor: (sessionToken: string) => csrfTokenFor(deps.csrfKey, sessionToken),

    checkCsrf: (sessionToken: string, presented: string | undefined) =>
      presented !== undefined && safeEqual(csrfTokenFor(deps.csrfKey, sessionToken), presented),

    async me(userId: string) {
      const user = await usersRepo(store.db).findById(userId);
      if (!user) throw new LatchkeyError('UNAUTHENTICATED');
      const companies = await companiesRepo(store.db).listForUser(userId);
      return {
        user: publicUser(user),
        companies,
        // Issue 16's shape; `companies` stays as DESIGN.md has it.
        memberships: companies.map((c) => ({ companyId: c.id, companyName: c.name, role: c.role })),
      };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
