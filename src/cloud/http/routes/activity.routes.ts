import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { createAuditService } from '../../services/audit.service.ts';
import {
  NOTIFICATION_KINDS,
  type createNotificationsService,
  type NotificationKind,
} from '../../services/notifications.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, PageQuery, SiteIdParams } from '../schemas.ts';

const NotificationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  siteId: z.string().nullable(),
  serialNumber: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});

export const AuditEventSchema = z.object({
  id: z.string(),
  siteId: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  errorCode: z.string().nullable(),
  serialNumber: z.string().nullable(),
  actor: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

/** Notifications of the person and audit trails of sites. */
export function activityRoutes(deps: {
  notifications: ReturnType<typeof createNotificationsService>;
  audit: ReturnType<typeof createAuditService>;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Your notifications, newest first, with the unread count.',
          querystring: PageQuery,
          response: {
            200: z.object({
              items: z.array(NotificationSchema),
              nextCursor: z.string().nullable(),
              unreadCount: z.number().int(),
            }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) =>
        deps.notifications.list(actorOf(request), request.query.cursor, request.query.limit),
    );

    app.post(
      '/api/notifications/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark notifications read: the given ids, or all when ids is omitted.',
          body: z.strictObject({ ids: z.array(z.string().max(100)).max(500).optional() }).nullish(),
          response: { 204: z.null().describe('Marked'), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await deps.notifications.markRead(actorOf(request), request.body?.ids ?? null);
        return reply.status(204).send(null);
      },
    );

    const MailSettings = z.object({
      mail: z.object(
        Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, z.boolean()])) as Record<
          NotificationKind,
          z.ZodBoolean
        >,
      ),
    });
    app.get(
      '/api/me/notification-settings',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Which kinds of notification you also get by e-mail.',
          response: { 200: MailSettings, ...errorResponses(401) },
        },
      },
      async (request) => deps.notifications.mailSettings(actorOf(request)),
    );
    app.put(
      '/api/me/notification-settings',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Choose which kinds of notification you also get by e-mail (a session only).',
          body: z.strictObject({
            mail: z.strictObject(
              Object.fromEntries(
                NOTIFICATION_KINDS.map((kind) => [kind, z.boolean().optional()]),
              ) as Record<NotificationKind, z.ZodOptional<z.ZodBoolean>>,
            ),
          }),
          response: { 200: MailSettings, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => deps.notifications.setMailSettings(actorOf(request), request.body.mail),
    );

    app.post(
      '/api/notifications/:id/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark one of your notifications read (your copy only).',
          params: z.object({ id: z.string().max(100) }),
          response: { 204: z.null().describe('Marked'), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await deps.notifications.markOneRead(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/sites/:siteId/audit',
      {
        schema: {
          tags: ['sites'],
          summary: "The site's audit log, newest first, failed attempts included.",
          params: SiteIdParams,
          querystring: PageQuery,
          response: {
            200: z.object({ items: z.array(AuditEventSchema), nextCursor: z.string().nullable() }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        deps.audit.listForSite(
          actorOf(request),
          request.params.siteId,
          request.query.cursor,
          request.query.limit,
        ),
    );

    app.get(
      '/api/audit',
      {
        schema: {
          tags: ['company'],
          summary:
            "The company's audit log, newest first: members, invitations and settings, and every site's events (admins).",
          querystring: PageQuery,
          response: {
            200: z.object({ items: z.array(AuditEventSchema), nextCursor: z.string().nullable() }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        deps.audit.listForCompany(actorOf(request), request.query.cursor, request.query.limit),
    );
  };
}
