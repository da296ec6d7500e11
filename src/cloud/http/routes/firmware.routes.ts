import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LatchkeyError } from '../../../core/errors.ts';
import { MAX_FIRMWARE_BYTES } from '../../../core/firmware.format.ts';
import type { FirmwareService } from '../../services/firmware.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses } from '../schemas.ts';

const FirmwareImageSchema = z.object({
  id: z.string(),
  model: z.string(),
  version: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  filename: z.string(),
  scope: z.enum(['operator', 'company']),
  createdAt: z.string(),
});

const UploadQuery = z.strictObject({ filename: z.string().max(200).optional() });

/** The firmware catalogue (issue 19). */
export function firmwareRoutes(firmware: FirmwareService): FastifyPluginAsyncZod {
  return async (app) => {
    // Only in this plugin: the raw image, up to 32 MiB; every other route keeps the API's 64 KiB.
    app.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: MAX_FIRMWARE_BYTES },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/api/firmware',
      {
        schema: {
          tags: ['firmware'],
          summary:
            "The firmware images the current company may roll out: the operator's and its own.",
          response: {
            200: z.object({
              items: z.array(FirmwareImageSchema),
              nextCursor: z.null(),
              uploadsAllowed: z.boolean(),
            }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => ({ ...(await firmware.list(actorOf(request))), nextCursor: null }),
    );

    app.post(
      '/api/firmware',
      {
        bodyLimit: MAX_FIRMWARE_BYTES,
        // Before the body is read (auth.hooks.ts authenticated already): a person who may not
        // upload, or a server without --firmware-uploads, never makes the node take 32 MiB.
        onRequest: async (request) => firmware.requireUploader(actorOf(request)),
        schema: {
          tags: ['firmware'],
          summary: "Add a firmware image to the current company's catalogue (company admins).",
          description:
            'Body: the image file itself as application/octet-stream, at most 32 MiB; its name in ?filename= or the X-Filename header. Only when the cloud runs with --firmware-uploads; else 403 FIRMWARE_UPLOADS_DISABLED. The same file again answers its entry with 200.',
          consumes: ['application/octet-stream'],
          querystring: UploadQuery,
          response: {
            200: FirmwareImageSchema,
            201: FirmwareImageSchema,
            ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
          },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body) && request.body !== undefined) {
          throw new LatchkeyError('UNSUPPORTED_MEDIA_TYPE', {
            cause: 'A firmware image is sent as the body itself, as application/octet-stream.',
          });
        }
        const header = request.headers['x-filename'];
        const filename = request.query.filename ?? (typeof header === 'string' ? header : '');
        const { created, image } = await firmware.add(actorOf(request), {
          filename,
          content: request.body ?? Buffer.alloc(0),
        });
        return reply.code(created ? 201 : 200).send(image);
      },
    );
  };
}
