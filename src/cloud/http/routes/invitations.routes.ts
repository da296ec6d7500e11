import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COMPANY_ROLES, SITE_ROLES } from '../../../core/access.rules.ts';
import { LatchkeyError } from '../../../core/errors.ts';
import type { AuthService } from '../../services/auth.service.ts';
import type { Acceptor, InvitationsService } from '../../services/invitations.service.ts';
import { actorOf, CSRF_HEADER, SESSION_COOKIE } from '../auth.hooks.ts';
import { EmailField, errorResponses, NameField } from '../schemas.ts';
import { setSessionCookie } from './auth.routes.ts';

/** Site grants one invitation may carry (docs/decisions.md, "People"). */
export const MAX_INVITATION_SITES = 100;

const SiteOffer = z.object({ siteId: z.string(), siteName: z.string(), role: z.enum(SITE_ROLES) });
const InvitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(COMPANY_ROLES),
    sites: z.array(SiteOffer),
    expiresAt: z.string(),
    link: z.string().describe('The accept link; shown only here and in the resend answer'),
  })
  .meta({ id: 'Invitation' });
const PendingInvitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(COMPANY_ROLES),
  sites: z.array(SiteOffer),
  invitedBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
const IdParams = z.strictObject({ id: z.string().max(100) });
// Ours are 43 characters (newToken); a longer one is refused before any lookup.
const TokenParams = z.strictObject({ token: z.string().max(200) });

/** Invitations: admins of the current company manage them; the link's routes are public. */
export function invitationsRoutes(
  invitations: InvitationsService,
  auth: Pick<AuthService, 'resolveSession' | 'checkCsrf'>,
  options: { secureCookies: boolean },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/company/invitations',
      {
        schema: {
          tags: ['company'],
          summary:
            'Invite someone by e-mail (admins); mails them a link that works once, for 7 days. A pending invitation of the same address is replaced.',
          body: z.strictObject({
            email: EmailField,
            role: z.enum(COMPANY_ROLES),
            sites: z
              .array(z.strictObject({ siteId: z.string().max(100), role: z.enum(SITE_ROLES) }))
              .max(MAX_INVITATION_SITES)
              .optional(),
          }),
          response: { 201: InvitationSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await invitations.create(actorOf(request), request.body)),
    );

    app.get(
      '/api/company/invitations',
      {
        schema: {
          tags: ['company'],
          summary: "The company's pending invitations (admins).",
          response: {
            200: z.object({ items: z.array(PendingInvitationSchema) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => invitations.list(actorOf(request)),
    );

    app.post(
      '/api/company/invitations/:id/resend',
      {
        schema: {
          tags: ['company'],
          summary:
            'Mail a pending invitation again with a new link and 7 new days (admins); the old link stops working.',
          params: IdParams,
          response: { 200: InvitationSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => invitations.resend(actorOf(request), request.params.id),
    );

    app.delete(
      '/api/company/invitations/:id',
      {
        schema: {
          tags: ['company'],
          summary: 'Withdraw a pending invitation (admins); its link stops working.',
          params: IdParams,
          response: {
            204: z.null().describe('Withdrawn'),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        await invitations.revoke(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/invitations/:token',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary: 'What an invitation link offers (public: the token is the credential).',
          params: TokenParams,
          response: {
            200: z.object({
              companyName: z.string(),
              email: z.string(),
              role: z.enum(COMPANY_ROLES),
              invitedBy: z.string(),
              expiresAt: z.string(),
              accountExists: z.boolean(),
            }),
            ...errorResponses(400, 410, 429),
          },
        },
      },
      async (request) => invitations.lookup(request.params.token, request.ip),
    );

    app.post(
      '/api/invitations/:token/accept',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'Accept an invitation. Signed in (session cookie and X-CSRF-Token): your account joins. Otherwise {name, password} creates an account with the invited e-mail and signs in. Works once.',
          params: TokenParams,
          body: z
            .strictObject({ name: NameField.optional(), password: z.string().max(256).optional() })
            .optional(),
          response: {
            200: z.object({
              companyId: z.string(),
              companyName: z.string(),
              role: z.enum(COMPANY_ROLES),
              csrfToken: z.string().optional().describe('When a new account was signed in'),
            }),
            ...errorResponses(400, 403, 409, 410, 413, 415, 429),
          },
        },
      },
      async (request, reply) => {
        // A public route gets no request.auth (auth.hooks.ts): the cookie is resolved here,
        // and with it the CSRF header is required as on every other cookie-authenticated
        // write, or a page elsewhere could make a signed-in victim join a company.
        const sessionToken = request.cookies[SESSION_COOKIE];
        const resolved = sessionToken ? await auth.resolveSession(sessionToken) : null;
        let acceptor: Acceptor;
        if (resolved && sessionToken) {
          const presented = request.headers[CSRF_HEADER];
          if (
            !auth.checkCsrf(sessionToken, typeof presented === 'string' ? presented : undefined)
          ) {
            throw new LatchkeyError('CSRF_TOKEN_INVALID');
          }
          acceptor = { kind: 'session', userId: resolved.user.id, email: resolved.user.email };
        } else {
          const { name, password } = request.body ?? {};
          if (name === undefined || password === undefined) {
            throw new LatchkeyError('VALIDATION_FAILED', {
              cause: 'Not signed in: a name and a password make the new account.',
              fields: [
                ...(name === undefined ? [{ field: 'name', message: 'Enter a name.' }] : []),
                ...(password === undefined
                  ? [{ field: 'password', message: 'Choose a password.' }]
                  : []),
              ],
            });
          }
          acceptor = { kind: 'new', name, password };
        }
        const result = await invitations.accept(request.params.token, acceptor, {
          address: request.ip,
          userAgent: request.headers['user-agent'],
        });
        if (result.session) {
          setSessionCookie(request, reply, result.session, options.secureCookies);
          return { ...result.joined, csrfToken: result.session.csrfToken };
        }
        return result.joined;
      },
    );
  };
}
