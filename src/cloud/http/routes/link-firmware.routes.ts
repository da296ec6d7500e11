import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FirmwareDownloads } from '../../services/firmware-downloads.service.ts';

/** The token of a single-use URL (link-transfers.service.ts checks its form). */
const TokenParams = z.strictObject({ token: z.string().max(64) });

/**
 * Issue 19, device-facing (outside /api and outside OpenAPI, like /link/backups): a device
 * downloads the image of its rollout here. The token in the path is the only credential; it
 * is redacted from the request log (app.ts redactPath).
 */
export function linkFirmwareRoutes(downloads: FirmwareDownloads): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/link/firmware/:token',
      { schema: { hide: true, params: TokenParams } },
      async (request, reply) => {
        const image = await downloads.take(request.params.token);
        return reply
          .header('content-type', 'application/octet-stream')
          .header(
            'content-disposition',
            `attachment; filename="${image.filename.replace(/[^\w.-]/g, '_')}"`,
          )
          .header('cache-control', 'no-store')
          .header('x-checksum-sha256', image.sha256)
          .send(image.body);
      },
    );
  };
}
