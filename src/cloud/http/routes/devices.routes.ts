import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClaimService } from '../../services/claim.service.ts';
import type { ReleaseService } from '../../services/release.service.ts';
import type { DeviceMoveService } from '../../services/device-move.service.ts';
import type { SitesService } from '../../services/sites.service.ts';
import { actorOf } from '../auth.hooks.ts';
import {
  DeviceSchema,
  errorResponses,
  PageQuery,
  SecurityCodeField,
  SerialNumberField,
  SiteIdParams,
} from '../schemas.ts';

/** Adding, listing and deleting the devices of a site. */
export function devicesRoutes(deps: {
  sites: SitesService;
  claims: ClaimService;
  releases: ReleaseService;
  moves: DeviceMoveService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/sites/:siteId/devices',
      {
        schema: {
          tags: ['devices'],
          summary: 'The devices of a site, with their online state.',
          params: SiteIdParams,
          querystring: PageQuery,
          response: {
            200: z.object({ items: z.array(DeviceSchema), nextCursor: z.string().nullable() }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        deps.sites.listDevices(
          actorOf(request),
          request.params.siteId,
          request.query.cursor,
          request.query.limit,
        ),
    );

    app.post(
      '/api/sites/:siteId/devices',
      {
        schema: {
          tags: ['devices'],
          summary: 'Add a device to the site with its serial number and security code.',
          description:
            'Adds an unowned device, or moves a device from another account when its security code was regenerated on the device (DESIGN.md "Claim rules").',
          params: SiteIdParams,
          body: z.strictObject({
            serialNumber: SerialNumberField,
            securityCode: SecurityCodeField,
          }),
          response: {
            201: z.object({ outcome: z.enum(['added', 'moved']), device: DeviceSchema }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const result = await deps.claims.claim({
          actor: actorOf(request),
          siteId: request.params.siteId,
          serialNumber: request.body.serialNumber,
          securityCode: request.body.securityCode,
        });
        return reply.status(201).send(result);
      },
    );

    app.delete(
      '/api/sites/:siteId/devices/:serialNumber',
      {
        schema: {
          tags: ['devices'],
          summary: 'Delete the device from the site; it can then be added elsewhere.',
          params: z.strictObject({ siteId: z.string().max(100), serialNumber: SerialNumberField }),
          response: { 204: z.null().describe('Deleted'), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await deps.releases.release(
          actorOf(request),
          request.params.siteId,
          request.params.serialNumber,
        );
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/devices/:serialNumber/move',
      {
        schema: {
          tags: ['devices'],
          summary: 'Move the device to another site of its company.',
          description:
            "No security code is needed: the device is already the company's. Audited on both sites; the device keeps its history (issue 18).",
          params: z.strictObject({ serialNumber: SerialNumberField }),
          body: z.strictObject({ siteId: z.string().min(1).max(100) }),
          response: {
            200: z.object({ device: DeviceSchema }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      async (request) =>
        deps.moves.move(actorOf(request), request.params.serialNumber, request.body.siteId),
    );
  };
}
