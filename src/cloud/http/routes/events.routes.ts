import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CloudEventBus } from '../../services/events.ts';
import type { SitesService } from '../../services/sites.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses } from '../schemas.ts';

/** A comment line this often keeps proxies and the browser from closing an idle stream. */
const PING_MS = 15_000;

/**
 * Live updates for the portal as Server-Sent Events: a `device` event when a device of one of
 * the person's sites changes (presence, reported state, ownership). Every event is checked
 * against the person's sites, so tenants never see each other's devices.
 */
export function eventsRoutes(deps: {
  events: CloudEventBus;
  sites: SitesService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    const open = new Set<ServerResponse>();
    // One listener on the bus for all streams (not one per stream: no listener-limit warnings).
    const subscribers = new Set<(serialNumber: string) => void>();
    const fanOut = ({ serialNumber }: { serialNumber: string }) => {
      for (const subscriber of subscribers) subscriber(serialNumber);
    };
    deps.events.on('device-updated', fanOut);
    deps.events.on('ownership-changed', fanOut);
    // A stream never ends by itself: end them all before the server waits for its connections.
    app.addHook('preClose', async () => {
      for (const stream of open) stream.end();
      open.clear();
    });
    app.addHook('onClose', async () => {
      deps.events.off('device-updated', fanOut);
      deps.events.off('ownership-changed', fanOut);
    });

    app.get(
      '/api/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Live updates of your devices as Server-Sent Events (text/event-stream).',
          description:
            'Sends `event: device` with `{"serialNumber", "siteId"}` when a device of one of your sites comes online, goes offline, reports a new state or changes owner; a comment line every 15 s keeps the stream open.',
          response: {
            200: z.string().describe('A text/event-stream that stays open.'),
            ...errorResponses(401),
          },
        },
      },
      async (request, reply) => {
        const { userId } = actorOf(request);
        const stream = reply.raw;
        reply.hijack();
        stream.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        stream.write('retry: 3000\n: connected\n\n');
        open.add(stream);

        const send = (serialNumber: string, siteId: string) => {
          if (!stream.writableEnded) {
            stream.write(`event: device\ndata: ${JSON.stringify({ serialNumber, siteId })}\n\n`);
          }
        };
        const onDevice = (serialNumber: string) => {
          deps.sites.siteOfDeviceFor(userId, serialNumber).then(
            (siteId) => siteId && send(serialNumber, siteId),
            (error: unknown) => request.log.warn({ err: error }, 'live update lookup failed'),
          );
        };
        subscribers.add(onDevice);
        const ping = setInterval(() => stream.write(': ping\n\n'), PING_MS);
        ping.unref();
        stream.on('close', () => {
          clearInterval(ping);
          subscribers.delete(onDevice);
          open.delete(stream);
        });
      },
    );
  };
}
