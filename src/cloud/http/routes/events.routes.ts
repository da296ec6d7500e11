import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { LiveUpdatesService } from '../../services/live-updates.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses } from '../schemas.ts';

/** A comment line this often keeps proxies and the browser from closing an idle stream. */
const PING_MS = 15_000;

/**
 * Live updates for the portal as Server-Sent Events: a `device` event when a device of one of
 * the person's sites changes (presence, reported state, ownership). Which stream sees which
 * device is the live-updates service's decision (tenants never see each other's devices).
 */
export function eventsRoutes(deps: { liveUpdates: LiveUpdatesService }): FastifyPluginAsyncZod {
  return async (app) => {
    const open = new Set<ServerResponse>();
    deps.liveUpdates.reportErrorsTo((error) =>
      app.log.warn({ err: error }, 'live update lookup failed'),
    );
    // A stream never ends by itself: end them all before the server waits for its connections.
    app.addHook('preClose', async () => {
      for (const stream of open) stream.end();
      open.clear();
    });

    app.get(
      '/api/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Live updates of your devices as Server-Sent Events (text/event-stream).',
          description:
            'Sends `event: device` with `{"serialNumber", "siteId"}` when a device of a site you see (in the current company when X-Company-Id or companyId is given, else in all of yours) comes online, goes offline, reports a new state or changes owner, and to company admins `event: webhook` with `{"endpointId"}` when a webhook endpoint or its delivery log changed on this node (issue 20); a comment line every 15 s keeps the stream open. One person may hold a limited number of streams at once (429 TOO_MANY_STREAMS beyond).',
          querystring: z.object({
            companyId: z
              .string()
              .max(100)
              .optional()
              .describe('Only this company (as X-Company-Id, which an EventSource cannot send).'),
          }),
          response: {
            200: z.string().describe('A text/event-stream that stays open.'),
            ...errorResponses(401, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const asked = request.query.companyId ?? actor.companyId;
        const stream = reply.raw;
        const subscription = await deps.liveUpdates.subscribe(
          asked === undefined ? actor : { ...actor, companyId: asked },
          (update) => {
            if (!stream.writableEnded) {
              stream.write(`event: device\ndata: ${JSON.stringify(update)}\n\n`);
            }
          },
          (update) => {
            if (!stream.writableEnded) {
              stream.write(`event: webhook\ndata: ${JSON.stringify(update)}\n\n`);
            }
          },
        );
        if (stream.destroyed) {
          // The client left while the stream was being opened.
          subscription.close();
          return reply.hijack();
        }
        reply.hijack();
        stream.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        stream.write('retry: 3000\n: connected\n\n');
        open.add(stream);
        const ping = setInterval(() => stream.write(': ping\n\n'), PING_MS);
        ping.unref();
        stream.on('close', () => {
          clearInterval(ping);
          subscription.close();
          open.delete(stream);
        });
      },
    );
  };
}
