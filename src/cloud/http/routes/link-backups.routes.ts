import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MAX_SEALED_BACKUP_BYTES,
  type DeviceBackupsService,
} from '../../services/device-backups.service.ts';

/** The token of a single-use URL (link-transfers.service.ts checks its form). */
const TokenParams = z.strictObject({ token: z.string().max(64) });

/**
 * Issue 19, device-facing (outside /api and outside OpenAPI, like /mqtt): the single-use URLs a
 * device sends its sealed backup to (PUT) and fetches a backup sealed for it from (GET). The
 * token in the path is the only credential; it is redacted from the request log (app.ts).
 */
export function linkBackupsRoutes(backups: DeviceBackupsService): FastifyPluginAsyncZod {
  return async (app) => {
    // Only in this plugin: raw bytes, up to 2 MiB. A larger Content-Length is refused before
    // the body is read (Fastify's bodyLimit), a longer chunked body once it passes the cap.
    app.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: MAX_SEALED_BACKUP_BYTES },
      (_request, body, done) => done(null, body),
    );
    app.put(
      '/link/backups/:token',
      {
        bodyLimit: MAX_SEALED_BACKUP_BYTES,
        schema: { hide: true, params: TokenParams },
      },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        await backups.receive(request.params.token, body);
        return reply.code(204).send();
      },
    );

    app.get(
      '/link/backups/:token',
      { schema: { hide: true, params: TokenParams } },
      async (request, reply) => {
        const sealed = await backups.download(request.params.token);
        return reply
          .header('content-type', 'application/octet-stream')
          .header('cache-control', 'no-store')
          .send(sealed);
      },
    );
  };
}
