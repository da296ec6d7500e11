import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountsService, AdminSession } from './accounts.service.ts';

/** The web administration's session cookie, shared by the classic pages and the admin API. */
export const SESSION_COOKIE = 'lk_device_session';
/** Where the admin API (JSON) expects the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** Why the guard refused a request, in the order it checks. */
export type GuardRefusal =
  /** No session cookie at all. */
  | 'login-required'
  /** A session cookie that no longer names a session (idle timeout, restart, logout). */
  | 'session-expired'
  /** A change (any method but GET/HEAD) without the session's CSRF token. */
  | 'csrf-invalid'
  /** The factory password "2n" is still set: only the forced change is allowed. */
  | 'password-change-required';

export type GuardedHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  session: AdminSession,
) => unknown;

export interface GuardOptions {
  /** The route is allowed before the factory password is changed (login flow, logout). */
  beforeChange?: boolean;
  /**
   * The route reads its CSRF token itself from a multipart form (upload.form.ts), so that a
   * forged upload is refused before its file is stored rather than after parsing a body.
   */
  csrfInForm?: boolean;
}

/** Wraps a route handler with the session, CSRF and forced-password checks. */
export type SessionGuard = (
  handler: GuardedHandler,
  options?: GuardOptions,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** What differs between adapters: where the token travels, and how a refusal is answered. */
export interface GuardAdapter {
  /** The CSRF token the request presents (a header for JSON, a form field for HTML). */
  csrfToken(request: FastifyRequest): unknown;
  /** Answers a refused request: a redirect for HTML, 401/403 JSON for the admin API. */
  refuse(
    refusal: GuardRefusal,
    request: FastifyRequest,
    reply: FastifyReply,
    session: AdminSession | null,
  ): unknown;
  /** Maps errors the handler throws (e.g. DeviceError to the adapter's error answer). */
  onError?(error: unknown, request: FastifyRequest, reply: FastifyReply): unknown;
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The admin session a request's cookie names, if it is still valid. */
export function sessionOf(accounts: AccountsService, request: FastifyRequest): AdminSession | null {
  return accounts.session(request.cookies[SESSION_COOKIE]);
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The one session guard of the web administration (classic pages and admin API): a valid
 * session cookie, the session's CSRF token on every change (double submit tied to the session,
 * as the cloud does), and the factory password changed first, as the vendor's firmware forces
 * it at the first login. Each adapter configures how a refusal looks.
 */
export function createSessionGuard(accounts: AccountsService, adapter: GuardAdapter): SessionGuard {
  return (handler, options = {}) =>
    async (request, reply) => {
      const session = sessionOf(accounts, request);
      if (!session) {
        const refusal = request.cookies[SESSION_COOKIE] ? 'session-expired' : 'login-required';
        return adapter.refuse(refusal, request, reply, null);
      }
      if (
        !SAFE_METHODS.has(request.method) &&
        !options.csrfInForm &&
        !sameToken(adapter.csrfToken(request), session.csrfToken)
      ) {
        return adapter.refuse('csrf-invalid', request, reply, session);
      }
      if (!options.beforeChange && accounts.mustChangePassword) {
        return adapter.refuse('password-change-required', request, reply, session);
      }
      if (!adapter.onError) return handler(request, reply, session);
      try {
        return await handler(request, reply, session);
      } catch (error) {
        return adapter.onError(error, request, reply);
      }
    };
}
