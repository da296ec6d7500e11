import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService, SessionGrant } from '../../services/auth.service.ts';
import { actorOf, SESSION_COOKIE } from '../auth.hooks.ts';
import { EmailField, errorResponses, NameField, UserSchema } from '../schemas.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';

const CompanySchema = z.object({ id: z.string(), name: z.string(), role: z.string() });
const MembershipSchema = z.object({
  companyId: z.string(),
  companyName: z.string(),
  role: z.enum(['admin', 'member']),
});
const SessionBody = z.object({
  user: UserSchema,
  company: CompanySchema.optional(),
  csrfToken: z.string(),
});
/** The first step's answer for a person with two-factor sign-in (no session yet). */
const TwoFactorRequiredBody = z.object({
  twoFactorRequired: z.literal(true),
  challenge: z.string().describe('Valid 5 minutes, for at most 5 codes'),
});

/**
 * Secure (RFC 6265 §4.1.2.5) when the browser reached us over HTTPS: directly, or through the
 * trusted proxy's X-Forwarded-Proto (Fastify reads it only with trustProxy), or always when the
 * operator says so (TLS ends somewhere this node cannot see).
 */
export function cookieIsSecure(request: FastifyRequest, secureCookies: boolean): boolean {
  return secureCookies || request.protocol === 'https';
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  grant: SessionGrant,
  secureCookies: boolean,
) {
  void reply.setCookie(SESSION_COOKIE, grant.sessionToken, {
    httpOnly: true,
    sameSite: 'lax',
    secure: cookieIsSecure(request, secureCookies),
    path: '/',
    expires: grant.expiresAt,
  });
}

/** Register, login, logout, me (account.routes.ts: the account, sessions and API tokens). */
export function authRoutes(
  auth: AuthService,
  options: { secureCookies: boolean },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/auth/register',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary: 'Create an account and its company; signs in.',
          body: z.strictObject({
            email: EmailField,
            password: z.string().max(256),
            name: NameField,
            companyName: NameField.optional(),
          }),
          response: { 201: SessionBody, ...errorResponses(400, 409, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const result = await auth.register(request.body, request.ip, request.headers['user-agent']);
        setSessionCookie(request, reply, result.session, options.secureCookies);
        return reply.status(201).send({
          user: result.user,
          company: result.company,
          csrfToken: result.session.csrfToken,
        });
      },
    );

    app.post(
      '/api/auth/login',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'Sign in; sets the session cookie. With two-factor sign-in on, answers a challenge instead and sets no cookie: finish with POST /api/auth/login/two-factor.',
          body: z.strictObject({ email: z.string().max(254), password: z.string().max(256) }),
          response: {
            200: z.union([SessionBody, TwoFactorRequiredBody]),
            ...errorResponses(400, 401, 413, 415, 429),
          },
        },
      },
      async (request, reply) => {
        const result = await auth.login(request.body, request.ip, request.headers['user-agent']);
        if (result.twoFactorRequired) {
          return { twoFactorRequired: true as const, challenge: result.challenge };
        }
        setSessionCookie(request, reply, result.session, options.secureCookies);
        return { user: result.user, csrfToken: result.session.csrfToken };
      },
    );

    app.post(
      '/api/auth/login/two-factor',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'The second step of a sign-in with two-factor sign-in on: the challenge and a 6-digit code from the authenticator app (or a recovery code); sets the session cookie.',
          body: z.strictObject({
            challenge: z.string().min(1).max(100),
            code: z.string().max(32),
          }),
          response: { 200: SessionBody, ...errorResponses(400, 401, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const result = await auth.completeTwoFactorLogin(
          request.body,
          request.ip,
          request.headers['user-agent'],
        );
        setSessionCookie(request, reply, result.session, options.secureCookies);
        return { user: result.user, csrfToken: result.session.csrfToken };
      },
    );

    app.post(
      '/api/auth/password-reset',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'Mail a password reset link (valid 1 h, single use) to the address if it has an account; answers 202 either way.',
          body: z.strictObject({ email: z.string().max(254) }),
          response: {
            202: z.object({ status: z.literal('accepted') }),
            ...errorResponses(400, 413, 415, 429),
          },
        },
      },
      async (request, reply) => {
        await auth.requestPasswordReset(request.body, request.ip);
        return reply.status(202).send({ status: 'accepted' });
      },
    );

    app.post(
      '/api/auth/password-reset/:token',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'Set a new password with the token of a reset link; ends every session of the person. The token works once.',
          params: z.strictObject({ token: z.string().min(1).max(100) }),
          body: z.strictObject({ password: z.string().max(256) }),
          response: {
            204: z.null().describe('Password changed; sign in with it'),
            ...errorResponses(400, 410, 413, 415),
          },
        },
      },
      async (request, reply) => {
        await auth.resetPassword(request.params.token, request.body.password);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags: ['auth'],
          summary: 'Close the current session.',
          response: { 204: z.null().describe('Signed out'), ...errorResponses(401, 403) },
        },
      },
      async (request, reply) => {
        actorOf(request);
        if (request.auth?.sessionToken) await auth.logout(request.auth.sessionToken);
        void reply.clearCookie(SESSION_COOKIE, {
          path: '/',
          secure: cookieIsSecure(request, options.secureCookies),
        });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'Who is signed in, their companies, and the CSRF token of the session.',
          response: {
            200: z.object({
              user: UserSchema,
              companies: z.array(CompanySchema),
              memberships: z.array(MembershipSchema),
              csrfToken: z.string().nullable(),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const me = await auth.me(actorOf(request).userId);
        const token = request.auth?.sessionToken;
        return { ...me, csrfToken: token ? auth.csrfTokenFor(token) : null };
      },
    );
  };
}
