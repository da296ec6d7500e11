import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LatchkeyError } from '../../core/errors.ts';
import type { Actor } from '../services/actor.ts';
import type { AuthService } from '../services/auth.service.ts';

export const SESSION_COOKIE = 'latchkey_session';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
      const user = match ? await auth.resolveApiToken(match[1]!) : null;
      if (!user)
        throw new LatchkeyError('UNAUTHENTICATED', { cause: 'The API token is not valid.' });
      request.auth = {
        actor: { userId: user.id, email: user.email, ip: request.ip },
        via: 'bearer',
        sessionToken: null,
      };
      return;
    }
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (!sessionToken) throw new LatchkeyError('UNAUTHENTICATED');
    const user = await auth.resolveSession(sessionToken);
    if (!user) {
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
      actor: { userId: user.id, email: user.email, ip: request.ip },
      via: 'cookie',
      sessionToken,
    };
  });
}
