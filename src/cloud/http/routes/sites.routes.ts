import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SITE_TYPES } from '../../../core/building.model.ts';
import type { SitesService } from '../../services/sites.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, NameField, PageQuery, SiteIdParams, SiteSchema } from '../schemas.ts';

/** Sites of the person's companies. */
export function sitesRoutes(sites: SitesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/sites',
      {
        schema: {
          tags: ['sites'],
          summary: 'The sites of your companies.',
          querystring: PageQuery,
          response: {
            200: z.object({ items: z.array(SiteSchema), nextCursor: z.string().nullable() }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => sites.list(actorOf(request), request.query.cursor, request.query.limit),
    );

    app.post(
      '/api/sites',
      {
        schema: {
          tags: ['sites'],
          summary: 'Create a site (a house, a building) to add devices to.',
          body: z.strictObject({
            name: NameField,
            type: z.enum(SITE_TYPES).optional().describe('Fixed afterwards; default "other".'),
            companyId: z.string().max(100).optional(),
          }),
          response: { 201: SiteSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await sites.create(actorOf(request), request.body)),
    );

    app.get(
      '/api/sites/:siteId',
      {
        schema: {
          tags: ['sites'],
          summary: 'One site.',
          params: SiteIdParams,
          response: { 200: SiteSchema, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => sites.requireSite(actorOf(request), request.params.siteId),
    );

    app.patch(
      '/api/sites/:siteId',
      {
        schema: {
          tags: ['sites'],
          summary: 'Rename a site.',
          params: SiteIdParams,
          body: z.strictObject({
            name: NameField,
            // Issue 17: the type is chosen once; a family home was made with its one apartment.
            type: z
              .never({
                error:
                  'A site’s type is fixed when it is created; create a new site for another type.',
              })
              .optional(),
          }),
          response: { 200: SiteSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) => sites.rename(actorOf(request), request.params.siteId, request.body.name),
    );
  };
}
