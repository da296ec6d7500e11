import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONFIGURATION_MODES } from '../../../core/building.model.ts';
import type { SiteDevicesService } from '../../services/site-devices.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { DeviceSchema, errorResponses, SerialNumberField } from '../schemas.ts';

const DeviceParams = z.strictObject({
  siteId: z.string().max(100),
  serialNumber: SerialNumberField,
});

/** A device's settings in its site and "sync now" (issue 17, Auto Provisioning). */
export function siteDevicesRoutes(siteDevices: SiteDevicesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.patch(
      '/api/sites/:siteId/devices/:serialNumber',
      {
        schema: {
          tags: ['devices'],
          summary: 'Name a device in the site or change its Configuration Mode.',
          description:
            'Automatic: the cloud writes the residents to the device (Auto Provisioning); switching back to it sends a full sync. Manual: the cloud sends nothing.',
          params: DeviceParams,
          body: z.strictObject({
            configurationMode: z.enum(CONFIGURATION_MODES).optional(),
            name: z.string().trim().max(64).nullable().optional(),
            location: z.string().trim().max(64).nullable().optional(),
          }),
          response: { 200: DeviceSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) =>
        siteDevices.update(
          actorOf(request),
          request.params.siteId,
          request.params.serialNumber,
          request.body,
        ),
    );

    app.post(
      '/api/sites/:siteId/devices/:serialNumber/sync',
      {
        schema: {
          tags: ['devices'],
          summary: 'Sync now: send the device its whole directory again.',
          params: DeviceParams,
          response: { 202: DeviceSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send(
            await siteDevices.syncNow(
              actorOf(request),
              request.params.siteId,
              request.params.serialNumber,
            ),
          ),
    );
  };
}
