import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_IMPORT_BYTES } from '../../../core/residents-import.rules.ts';
import type { ApartmentsService } from '../../services/apartments.service.ts';
import type { ResidentsImportService } from '../../services/residents-import.service.ts';
import type { ResidentsService } from '../../services/residents.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, PageQuery, SiteIdParams } from '../schemas.ts';

/** A residents file may be large (2,000 residents); JSON bodies keep the 64 KiB limit. */
const CSV_BODY_LIMIT = MAX_IMPORT_BYTES;

// Wide bounds only: the exact rules (and their messages) are core's resident.rules.ts.
const Text = z.string().max(1000);
const OptionalText = Text.nullable().optional();

const ApartmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    floor: z.string().nullable(),
    residentCount: z.number(),
  })
  .meta({ id: 'Apartment' });

const AccessSchema = z.object({ serialNumber: z.string(), switch: z.number() });

const ResidentSchema = z
  .object({
    id: z.string(),
    apartmentId: z.string(),
    apartmentName: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    pins: z.array(z.string()),
    cards: z.array(z.string()),
    credentialsHidden: z
      .boolean()
      .describe('True for viewers: PINs and cards are not shown to them.'),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable(),
    enabled: z.boolean(),
    callTarget: z.string().nullable(),
    access: z.array(AccessSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Resident' });

const ResidentFields = {
  name: Text,
  email: OptionalText,
  apartmentId: z.string().max(100),
  pins: z.array(Text).max(20).describe('At most one PIN of 2 to 15 digits.'),
  cards: z.array(Text).max(20).describe('At most two card ids of 1 to 32 hexadecimal digits.'),
  validFrom: OptionalText.describe('ISO 8601; null or absent: no limit.'),
  validTo: OptionalText.describe('ISO 8601, after validFrom; null or absent: no limit.'),
  enabled: z.boolean(),
  access: z
    .array(z.strictObject({ serialNumber: z.string().max(100), switch: z.number().int() }))
    .max(400)
    .describe('The switches (1–4) of the site’s devices the resident may open.'),
  callTarget: OptionalText.describe('A SIP URI, a number or an app user, at most 128 characters.'),
};

const ImportAnswerSchema = z
  .object({
    dryRun: z.boolean(),
    rows: z.array(
      z.object({
        row: z
          .number()
          .describe('The line of the file, as a spreadsheet numbers it (the header is line 1).'),
        outcome: z.enum(['create', 'update', 'error']),
        errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
        residentId: z.string().optional(),
      }),
    ),
    created: z.number(),
    updated: z.number(),
    errors: z.number(),
  })
  .meta({ id: 'ResidentsImport' });

const IdParams = SiteIdParams.extend({ id: z.string().max(100) });
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A site's apartments and residents, and importing residents from a CSV file (issue 17). */
export function buildingsRoutes(deps: {
  apartments: ApartmentsService;
  residents: ResidentsService;
  residentsImport: ResidentsImportService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    // Only in this plugin's routes: a CSV body is read as text, up to the import's own limit.
    app.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/api/sites/:siteId/apartments',
      {
        schema: {
          tags: ['buildings'],
          summary: 'The apartments of a site, by number as people count them.',
          params: SiteIdParams,
          querystring: PageQuery,
          response: { 200: page(ApartmentSchema), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        deps.apartments.list(
          actorOf(request),
          request.params.siteId,
          request.query.cursor,
          request.query.limit,
        ),
    );

    app.post(
      '/api/sites/:siteId/apartments',
      {
        schema: {
          tags: ['buildings'],
          summary: 'Add an apartment (a number or name, unique in the site, and a floor).',
          params: SiteIdParams,
          body: z.strictObject({ name: Text, floor: OptionalText }),
          response: { 201: ApartmentSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(
            await deps.apartments.create(actorOf(request), request.params.siteId, request.body),
          ),
    );

    app.patch(
      '/api/sites/:siteId/apartments/:id',
      {
        schema: {
          tags: ['buildings'],
          summary: 'Rename an apartment or change its floor.',
          params: IdParams,
          body: z.strictObject({ name: Text.optional(), floor: OptionalText }),
          response: { 200: ApartmentSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) =>
        deps.apartments.update(
          actorOf(request),
          request.params.siteId,
          request.params.id,
          request.body,
        ),
    );

    app.delete(
      '/api/sites/:siteId/apartments/:id',
      {
        schema: {
          tags: ['buildings'],
          summary: 'Delete an apartment that has no residents.',
          params: IdParams,
          response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await deps.apartments.delete(actorOf(request), request.params.siteId, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/sites/:siteId/residents',
      {
        schema: {
          tags: ['buildings'],
          summary: 'The residents of a site by name; viewers see no PINs or cards.',
          params: SiteIdParams,
          querystring: PageQuery.extend({
            apartmentId: z.string().max(100).optional(),
            q: z.string().max(100).optional().describe('Only residents whose name contains this.'),
          }),
          response: { 200: page(ResidentSchema), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        deps.residents.list(actorOf(request), request.params.siteId, request.query),
    );

    app.post(
      '/api/sites/:siteId/residents',
      {
        schema: {
          tags: ['buildings'],
          summary: 'Add a resident with their PIN, cards and the doors they may open.',
          params: SiteIdParams,
          body: z.strictObject({
            ...ResidentFields,
            pins: ResidentFields.pins.default([]),
            cards: ResidentFields.cards.default([]),
            access: ResidentFields.access.default([]),
            enabled: z.boolean().default(true),
          }),
          response: { 201: ResidentSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await deps.residents.create(actorOf(request), request.params.siteId, request.body)),
    );

    app.patch(
      '/api/sites/:siteId/residents/:id',
      {
        schema: {
          tags: ['buildings'],
          summary: 'Change a resident; only the fields given change.',
          params: IdParams,
          body: z.strictObject(ResidentFields).partial(),
          response: { 200: ResidentSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) =>
        deps.residents.update(
          actorOf(request),
          request.params.siteId,
          request.params.id,
          request.body,
        ),
    );

    app.delete(
      '/api/sites/:siteId/residents/:id',
      {
        schema: {
          tags: ['buildings'],
          summary: 'Remove a resident (from the site’s intercoms too).',
          params: IdParams,
          response: { 204: z.null(), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await deps.residents.delete(actorOf(request), request.params.siteId, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/sites/:siteId/residents/import',
      {
        bodyLimit: CSV_BODY_LIMIT,
        schema: {
          tags: ['buildings'],
          summary: 'Import residents from a CSV file (README "Buildings"); ?dryRun=true previews.',
          description:
            'Body: text/csv with a header row. Applied whole in one transaction, or not at all: a file with row errors answers 422 IMPORT_HAS_ERRORS with the rows.',
          consumes: ['text/csv'],
          params: SiteIdParams,
          querystring: z.strictObject({
            dryRun: z
              .enum(['true', 'false'])
              .optional()
              .describe('true: check the file, change nothing.'),
          }),
          body: z.string().max(CSV_BODY_LIMIT),
          response: {
            200: ImportAnswerSchema,
            ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
          },
        },
      },
      async (request) =>
        deps.residentsImport.import(
          actorOf(request),
          request.params.siteId,
          request.body,
          request.query.dryRun === 'true',
        ),
    );
  };
}
