import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COMPANY_ROLES, SITE_ROLES } from '../../../core/access.rules.ts';
import type { MembersService } from '../../services/members.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses } from '../schemas.ts';

/**
 * Grants one PATCH may set: more than any company here has sites a member would be given one
 * by one (an admin sees all sites anyway), and few enough that the request stays well under
 * the 64 KiB body limit and one insert (docs/decisions.md, "People").
 */
export const MAX_SITE_GRANTS = 500;

const MemberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(COMPANY_ROLES),
    sites: z.array(
      z.object({ siteId: z.string(), siteName: z.string(), role: z.enum(SITE_ROLES) }),
    ),
    joinedAt: z.string(),
  })
  .meta({ id: 'Member' });

const UserIdParams = z.strictObject({ userId: z.string().max(100) });

/** The current company's members (X-Company-Id): admins manage them, anyone may leave. */
export function membersRoutes(members: MembersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/company/members',
      {
        schema: {
          tags: ['company'],
          summary: "The company's members, their roles and site grants (admins).",
          response: {
            200: z.object({ items: z.array(MemberSchema) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => members.list(actorOf(request)),
    );

    app.patch(
      '/api/company/members/:userId',
      {
        schema: {
          tags: ['company'],
          summary:
            "Set a member's role and replace their site grants (admins); an admin needs none. The last admin cannot be demoted (409 LAST_ADMIN).",
          params: UserIdParams,
          body: z.strictObject({
            role: z.enum(COMPANY_ROLES),
            sites: z
              .array(z.strictObject({ siteId: z.string().max(100), role: z.enum(SITE_ROLES) }))
              .max(MAX_SITE_GRANTS),
          }),
          response: { 200: MemberSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) => members.update(actorOf(request), request.params.userId, request.body),
    );

    app.delete(
      '/api/company/members/:userId',
      {
        schema: {
          tags: ['company'],
          summary:
            'Remove a member (admins), or leave the company with your own user id. The last admin cannot be removed or leave (409 LAST_ADMIN).',
          params: UserIdParams,
          response: {
            204: z.null().describe('Removed'),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        await members.remove(actorOf(request), request.params.userId);
        return reply.status(204).send(null);
      },
    );
  };
}
