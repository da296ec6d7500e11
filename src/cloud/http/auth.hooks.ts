import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LatchkeyError } from '../../core/errors.ts';
import type { Actor } from '../services/actor.ts';
import type { AuthService } from '../services/auth.service.ts';

export const SESSION_COOKIE = 'latchkey_session';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** What a `read` token may do. */
const READS = new Set(['GET', 'HEAD']);
/** The header naming the company a request acts in (issue 16). */
export const COMPANY_HEADER = 'x-company-id';
/** Company ids are UUIDs; anything much longer names no company and is not looked up. */
const MAX_COMPANY_ID_LENGTH = 100;
/** Ours are 46 characters; a longer "token" is not hashed and not counted as a guess. */
const MAX_TOKEN_LENGTH = 200;

export interface RequestAuth {
  actor: Actor;
  via: 'cookie' | 'bearer';
  sessionToken: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
  interface FastifyContextConfig {
    /** Routes open to everyone (register, login, the OpenAPI document). */
    public?: boolean;
  }
}

/** The authenticated actor of a request; throws UNAUTHENTICATED when there is none. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.auth) throw new LatchkeyError('UNAUTHENTICATED');
  return request.auth.actor;
}

/** X-Company-Id as sent; an oversized one becomes an id no company has (404, not looked up). */
function companyOf(request: FastifyRequest): { companyId?: string } {
  const value = request.headers[COMPANY_HEADER];
  if (typeof value !== 'string' || value === '') return {};
  return { companyId: value.length <= MAX_COMPANY_ID_LENGTH ? value : '-' };
}

/**
 * Authenticates every /api request before its body is read: `Authorization: Bearer` token, else
 * the session cookie. A cookie-authenticated unsafe request must carry X-CSRF-Token (DESIGN.md
 * "Cloud REST API"); Bearer requests cannot be forged cross-site and need none.
 */
export function installAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/') || request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      // Only what looks like one of our tokens is looked up; anything else is refused as is.
      const resolved =
        match && match[1]!.length <= MAX_TOKEN_LENGTH
          ? await auth.resolveApiToken(match[1]!, request.ip)
          : null;
      if (!resolved)
        throw new LatchkeyError('UNAUTHENTICATED', { cause: 'The API token is not valid.' });
      // A read token reads: the one rule that holds for every route, so it is checked here.
      if (resolved.token.scope === 'read' && !READS.has(request.method)) {
        throw new LatchkeyError('TOKEN_READ_ONLY');
      }
      request.auth = {
        actor: {
          userId: resolved.user.id,
          email: resolved.user.email,
          ip: request.ip,
          ...companyOf(request),
          credential: {
            kind: 'token',
            tokenId: resolved.token.id,
            scope: resolved.token.scope,
            companyId: resolved.token.companyId,
          },
        },
        via: 'bearer',
        sessionToken: null,
      };
      return;
    }
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (!sessionToken) throw new LatchkeyError('UNAUTHENTICATED');
    const resolved = await auth.resolveSession(sessionToken);
    if (!resolved) {
      throw new LatchkeyError('UNAUTHENTICATED', {
        cause: 'Your session has expired or was closed. Sign in again.',
      });
    }
    if (UNSAFE.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (!auth.checkCsrf(sessionToken, typeof presented === 'string' ? presented : undefined)) {
        throw new LatchkeyError('CSRF_TOKEN_INVALID');
      }
    }
    request.auth = {
      actor: {
        userId: resolved.user.id,
        email: resolved.user.email,
        ip: request.ip,
        ...companyOf(request),
        credential: {
          kind: 'session',
          sessionId: resolved.session.id,
          tokenHash: resolved.session.tokenHash,
        },
      },
      via: 'cookie',
      sessionToken,
    };
  });
}
