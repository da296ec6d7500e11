import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { LatchkeyError } from '../../core/errors.ts';
import { checkAccountPassword } from '../../core/password.rules.ts';
import { describeUserAgent } from '../../core/user-agent.rules.ts';
import type { companiesRepo } from '../store/repos/companies.repo.ts';
import type { CredentialsRepo } from '../store/repos/sessions.repo.ts';
import type { UsersRepo } from '../store/repos/users.repo.ts';
import type { Actor, TokenScope } from './actor.ts';
import { ARGON2, publicUser } from './auth.service.ts';
import { iso, type Clock } from './clock.ts';
import type { LoginThrottle } from './login-throttle.service.ts';
import { hashToken, newToken } from './tokens.ts';

export interface AccountServiceDeps {
  users: UsersRepo;
  credentials: CredentialsRepo;
  companies: ReturnType<typeof companiesRepo>;
  clock: Clock;
  throttle: LoginThrottle;
}

/** API tokens one person may hold at once (errors.ts TOO_MANY_TOKENS says the number). */
export const MAX_TOKENS_PER_PERSON = 100;

/** The one check of every use case here: a signed-in session, not an API token. */
function requireSession(actor: Actor) {
  const credential = actor.credential;
  if (credential?.kind !== 'session') throw new LatchkeyError('SESSION_REQUIRED');
  return credential;
}

/**
 * The person's own account: name, password, sessions and API tokens (issue 16). Every use case
 * needs a cookie session: a token cannot mint tokens, end sessions or change the password, so a
 * leaked token cannot lock its person out or outlive its revocation.
 */
export function createAccountService(deps: AccountServiceDeps) {
  const { users, credentials, companies, clock } = deps;

  return {
    async rename(actor: Actor, name: string) {
      requireSession(actor);
      await users.rename(actor.userId, name.trim());
      const user = await users.findById(actor.userId);
      if (!user) throw new LatchkeyError('UNAUTHENTICATED');
      return publicUser(user);
    },

    /**
     * Checks the current password (throttled like a sign-in: a stolen cookie cannot guess it
     * faster), sets the new one and ends every other session of the person; this one stays.
     */
    async changePassword(actor: Actor, input: { currentPassword: string; newPassword: string }) {
      const session = requireSession(actor);
      const user = await users.findById(actor.userId);
      if (!user) throw new LatchkeyError('UNAUTHENTICATED');
      const strength = checkAccountPassword(input.newPassword, user.email);
      if (!strength.ok) {
        throw new LatchkeyError('PASSWORD_TOO_WEAK', {
          cause: strength.message,
          fields: [{ field: 'newPassword', message: strength.message }],
        });
      }
      await deps.throttle.admitLogin(user.email, actor.ip);
      if (!(await verify(user.password_hash, input.currentPassword))) {
        throw new LatchkeyError('CURRENT_PASSWORD_WRONG', {
          fields: [{ field: 'currentPassword', message: 'This is not your current password.' }],
        });
      }
      await deps.throttle.succeeded(user.email, actor.ip);
      await users.setPasswordHash(user.id, await hash(input.newPassword, ARGON2));
      await credentials.deleteOtherSessions(user.id, session.tokenHash);
    },

    async listSessions(actor: Actor) {
      const current = requireSession(actor);
      const rows = await credentials.listSessions(actor.userId, iso(clock.now()));
      return rows.map((row) => ({
        id: row.id,
        browser: describeUserAgent(row.user_agent),
        userAgent: row.user_agent,
        address: row.address,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at ?? row.created_at,
        expiresAt: row.expires_at,
        current: row.token_hash === current.tokenHash,
      }));
    },

    /** Ends one of the person's sessions; another person's id is "not found", and nothing ends. */
    async endSession(actor: Actor, sessionId: string) {
      const current = requireSession(actor);
      if ((await credentials.deleteSessionOf(actor.userId, sessionId)) === 0) {
        throw new LatchkeyError('SESSION_NOT_FOUND');
      }
      return { wasCurrent: sessionId === current.sessionId };
    },

    /**
     * A new token for the company `companyId` (default: the person's first), shown once; only
     * its SHA-256 is stored. 256 random bits, prefixed `lk_` so secret scanners can spot it.
     */
    async createToken(
      actor: Actor,
      input: { name: string; scope: TokenScope; expiresAt?: string | undefined },
      companyId: string | undefined,
    ) {
      requireSession(actor);
      if ((await credentials.countTokens(actor.userId)) >= MAX_TOKENS_PER_PERSON) {
        throw new LatchkeyError('TOO_MANY_TOKENS');
      }
      const memberships = await companies.listForUser(actor.userId);
      const company = companyId ? memberships.find((c) => c.id === companyId) : memberships[0];
      // Like every company-scoped route: another company is "not found" (issue 16).
      if (!company) throw new LatchkeyError('COMPANY_NOT_FOUND');
      const now = clock.now();
      let expiresAt: string | null = null;
      if (input.expiresAt !== undefined) {
        const at = new Date(input.expiresAt);
        if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
          throw new LatchkeyError('VALIDATION_FAILED', {
            fields: [{ field: 'expiresAt', message: 'Choose a date and time in the future.' }],
          });
        }
        expiresAt = iso(at);
      }
      const token = newToken('lk_');
      const row = {
        id: randomUUID(),
        token_hash: hashToken(token),
        user_id: actor.userId,
        name: input.name.trim(),
        scope: input.scope,
        company_id: company.id,
        created_at: iso(now),
        expires_at: expiresAt,
        last_used_at: null,
      };
      await credentials.insertToken(row);
      return {
        id: row.id,
        token,
        name: row.name,
        scope: input.scope,
        companyId: company.id,
        companyName: company.name,
        createdAt: row.created_at,
        expiresAt,
        lastUsedAt: null,
      };
    },

    async listTokens(actor: Actor) {
      requireSession(actor);
      const rows = await credentials.listTokens(actor.userId);
      const now = iso(clock.now());
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        scope: (row.scope === 'read' ? 'read' : 'manage') as TokenScope,
        companyId: row.company_id,
        companyName: row.company_name,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastUsedAt: row.last_used_at,
        expired: row.expires_at !== null && row.expires_at <= now,
      }));
    },

    /** Revokes one of the person's tokens; another person's id is "not found", and nothing changes. */
    async revokeToken(actor: Actor, tokenId: string) {
      requireSession(actor);
      if ((await credentials.deleteTokenOf(actor.userId, tokenId)) === 0) {
        throw new LatchkeyError('TOKEN_NOT_FOUND');
      }
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
