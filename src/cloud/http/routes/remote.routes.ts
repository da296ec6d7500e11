import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RemoteSessionsService } from '../../services/remote-sessions.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, SerialNumberField } from '../schemas.ts';

/** Issue 19: opening a remote-configuration session on a device (the relay: remote-relay.routes.ts). */
export function remoteRoutes(sessions: RemoteSessionsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/sites/:siteId/devices/:serialNumber/remote',
      {
        schema: {
          tags: ['devices'],
          summary:
            "Open remote configuration: the device's own web interfaces through the cloud, for the person who opens it, until it expires.",
          params: z.strictObject({ siteId: z.string().max(100), serialNumber: SerialNumberField }),
          body: z.strictObject({}).optional(),
          response: {
            201: z.object({
              url: z.string(),
              expiresAt: z.string(),
              idleMinutes: z.number().int(),
            }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await sessions.open(
              actorOf(request),
              request.params.siteId,
              request.params.serialNumber,
            ),
          ),
    );
  };
}
