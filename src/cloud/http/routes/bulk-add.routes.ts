import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isText, MAX_BULK_BYTES } from '../../../core/bulk-claim.rules.ts';
import { LatchkeyError } from '../../../core/errors.ts';
import type { BulkClaimService } from '../../services/bulk-claim.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { ErrorBodySchema, errorResponses, SiteIdParams } from '../schemas.ts';

const BulkResultSchema = z.object({
  row: z.number().int(),
  serialNumber: z.string(),
  outcome: z.enum(['added', 'moved']).optional(),
  error: ErrorBodySchema.shape.error.optional(),
});

// JSON rows are read as text: a malformed serial or code is that row's VALIDATION_FAILED
// (bulk-claim.rules.ts), never a refusal of the whole file.
const JsonRows = z.strictObject({
  rows: z.array(
    z.strictObject({ serialNumber: z.string().max(100), securityCode: z.string().max(100) }),
  ),
});

/** Bulk add (issue 18): a CSV file or JSON rows, each row its own claim. */
export function bulkAddRoutes(bulkClaims: BulkClaimService): FastifyPluginAsyncZod {
  return async (app) => {
    // Only in this plugin: a CSV body read as text, up to a file of 10,000 rows. A cross-site
    // form can send text/csv, so this route relies on the CSRF check for cookie sessions
    // (auth.hooks.ts), as every unsafe route does.
    app.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: MAX_BULK_BYTES },
      // A file that is not text (a picture, a spreadsheet's binary format) is refused as a
      // file, before the API's check for NUL characters in fields would call it a field error.
      (_request, body, done) =>
        isText(body as string)
          ? done(null, body)
          : done(
              new LatchkeyError('BULK_FILE_INVALID', {
                cause: 'The file is not text: save it as CSV (UTF-8).',
              }),
            ),
    );

    app.post(
      '/api/sites/:siteId/devices/bulk',
      {
        bodyLimit: MAX_BULK_BYTES,
        schema: {
          tags: ['devices'],
          summary: 'Add many devices at once from a CSV file (serialNumber,securityCode).',
          description:
            'Body: text/csv with the columns serialNumber, securityCode and an optional site (the header row is optional), or JSON {"rows": [{serialNumber, securityCode}]}; at most 10,000 rows. Each row is its own claim with the answers of a single add; results come in row order (row: the line in the file). Failed guesses count toward the claim limits as docs/decisions.md says.',
          consumes: ['text/csv', 'application/json'],
          params: SiteIdParams,
          // An empty CSV body arrives as nothing: the service answers it BULK_FILE_INVALID.
          body: z.union([z.string().max(MAX_BULK_BYTES), JsonRows]).optional(),
          response: {
            200: z.object({ results: z.array(BulkResultSchema) }),
            ...errorResponses(400, 401, 403, 404, 413, 415, 429),
          },
        },
      },
      async (request) =>
        bulkClaims.add(
          actorOf(request),
          request.params.siteId,
          typeof request.body === 'object'
            ? { rows: request.body.rows }
            : { csv: request.body ?? '' },
        ),
    );
  };
}
