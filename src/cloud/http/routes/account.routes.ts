import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountService } from '../../services/account.service.ts';
import { actorOf, SESSION_COOKIE } from '../auth.hooks.ts';
import { errorResponses, NameField, UserSchema } from '../schemas.ts';
import { cookieIsSecure } from './auth.routes.ts';

const IdParams = z.object({ id: z.string().min(1).max(100) });

const SessionSchema = z.object({
  id: z.string(),
  browser: z.string().describe('A short name of the browser, from its User-Agent'),
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().describe('To the minute'),
  expiresAt: z.string(),
  current: z.boolean().describe('The session of this request'),
});

const TokenScopeField = z
  .enum(['read', 'manage'])
  .describe('read: GET and HEAD only; manage: whatever the person may do');

const TokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: TokenScopeField,
  companyId: z.string().nullable(),
  companyName: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable().describe('To the minute'),
});

/**
 * The signed-in person's account: name, password, sessions and API tokens. Every route here
 * needs a session cookie (API tokens get 403 SESSION_REQUIRED; docs/decisions.md, "People").
 */
export function accountRoutes(
  account: AccountService,
  options: { secureCookies: boolean },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.patch(
      '/api/me',
      {
        schema: {
          tags: ['account'],
          summary: 'Change your name.',
          body: z.strictObject({ name: NameField }),
          response: { 200: z.object({ user: UserSchema }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ({
        user: await account.rename(actorOf(request), request.body.name),
      }),
    );

    app.post(
      '/api/me/password',
      {
        schema: {
          tags: ['account'],
          summary: 'Change your password; ends your other sessions, keeps this one.',
          body: z.strictObject({
            currentPassword: z.string().max(256),
            newPassword: z.string().max(256),
          }),
          response: {
            204: z.null().describe('Changed'),
            ...errorResponses(400, 401, 403, 429),
          },
        },
      },
      async (request, reply) => {
        await account.changePassword(actorOf(request), request.body);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/sessions',
      {
        schema: {
          tags: ['account'],
          summary: 'Your sessions: browser, address, created, last used.',
          response: {
            200: z.object({ items: z.array(SessionSchema), nextCursor: z.null() }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => ({
        items: await account.listSessions(actorOf(request)),
        nextCursor: null,
      }),
    );

    app.delete(
      '/api/sessions/:id',
      {
        schema: {
          tags: ['account'],
          summary: 'End one of your sessions (this one too: that signs you out).',
          params: IdParams,
          response: {
            204: z.null().describe('Ended'),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const ended = await account.endSession(actorOf(request), request.params.id);
        if (ended.wasCurrent) {
          void reply.clearCookie(SESSION_COOKIE, {
            path: '/',
            secure: cookieIsSecure(request, options.secureCookies),
          });
        }
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/tokens',
      {
        schema: {
          tags: ['account'],
          summary: 'Your API tokens (never their secrets).',
          response: {
            200: z.object({
              items: z.array(TokenSchema.extend({ expired: z.boolean() })),
              nextCursor: z.null(),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => ({
        items: await account.listTokens(actorOf(request)),
        nextCursor: null,
      }),
    );

    app.post(
      '/api/tokens',
      {
        schema: {
          tags: ['account'],
          summary:
            'Create an API token for scripts and the CLI, for the company of X-Company-Id (default: your first); the secret is shown once.',
          headers: z.object({ 'x-company-id': z.string().max(100).optional() }),
          body: z
            .strictObject({
              name: NameField.optional(),
              scope: TokenScopeField.optional().describe('Default: manage'),
              expiresAt: z.string().max(40).optional().describe('ISO 8601; in the future'),
            })
            .nullish(),
          response: {
            201: TokenSchema.extend({
              token: z.string().describe('The secret, shown this once'),
            }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const token = await account.createToken(
          actorOf(request),
          {
            name: request.body?.name ?? 'API token',
            scope: request.body?.scope ?? 'manage',
            expiresAt: request.body?.expiresAt,
          },
          request.headers['x-company-id'],
        );
        return reply.status(201).send(token);
      },
    );

    app.delete(
      '/api/tokens/:id',
      {
        schema: {
          tags: ['account'],
          summary: 'Revoke one of your API tokens; it stops working at once.',
          params: IdParams,
          response: {
            204: z.null().describe('Revoked'),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        await account.revokeToken(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
