import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeviceDirectoryService } from '../../services/device-directory.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { DeviceSchema, errorResponses, PageQuery, SerialNumberField } from '../schemas.ts';
import { AuditEventSchema } from './activity.routes.ts';

/** A device with the site it is in, as the company-wide views show it. */
const ListedDeviceSchema = DeviceSchema.extend({
  site: z.object({ id: z.string(), name: z.string() }),
});

/** Issue 18, "The device itself": the company-wide device search and the device page. */
export function devicePageRoutes(directory: DeviceDirectoryService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/devices',
      {
        schema: {
          tags: ['devices'],
          summary: 'Search the devices of all sites of the company you see, by serial number.',
          description:
            'query: part of the serial number (with or without dashes), display name, location, site name or firmware, in any case. online and siteId narrow the list.',
          querystring: PageQuery.extend({
            query: z.string().max(100).optional(),
            siteId: z.string().max(100).optional(),
            online: z.enum(['true', 'false']).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(ListedDeviceSchema),
              nextCursor: z.string().nullable(),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { online, ...rest } = request.query;
        return directory.search(actorOf(request), {
          ...rest,
          online: online === undefined ? undefined : online === 'true',
        });
      },
    );

    app.get(
      '/api/devices/:serialNumber',
      {
        schema: {
          tags: ['devices'],
          summary: 'The device page: the device, its online history and its audit timeline.',
          description:
            'Only what happened while your company owned it. timeline is null for a role that may not read the site audit.',
          params: z.strictObject({ serialNumber: SerialNumberField }),
          response: {
            200: z.object({
              device: ListedDeviceSchema,
              onlineHistory: z.array(z.object({ online: z.boolean(), at: z.string() })),
              timeline: z.array(AuditEventSchema).nullable(),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => directory.page(actorOf(request), request.params.serialNumber),
    );
  };
}
