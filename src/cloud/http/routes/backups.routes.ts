import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_KEEP, type DeviceBackupsService } from '../../services/device-backups.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, SerialNumberField, SiteIdParams } from '../schemas.ts';

const DeviceParams = z.strictObject({
  siteId: z.string().max(100),
  serialNumber: SerialNumberField,
});

const BackupSchema = z.object({
  id: z.string(),
  serialNumber: z.string(),
  reason: z.enum(['daily', 'manual']),
  bytes: z.number().int(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  storedAt: z.string(),
});

const SettingsSchema = z.object({ daily: z.boolean(), keep: z.number().int() });

const KeepField = z
  .number()
  .int()
  .min(1, `Keep from 1 to ${MAX_KEEP} backups.`)
  .max(MAX_KEEP, `Keep from 1 to ${MAX_KEEP} backups.`);

/** Issue 19: a device's configuration backups kept in the cloud, and a site's settings. */
export function backupsRoutes(backups: DeviceBackupsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/sites/:siteId/devices/:serialNumber/backups',
      {
        schema: {
          tags: ['backups'],
          summary: "This site's stored configuration backups of the device, newest first.",
          params: DeviceParams,
          response: {
            200: z.object({ items: z.array(BackupSchema) }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        backups.list(actorOf(request), request.params.siteId, request.params.serialNumber),
    );

    app.post(
      '/api/sites/:siteId/devices/:serialNumber/backups',
      {
        schema: {
          tags: ['backups'],
          summary:
            'Back the device up now: it sends its configuration sealed to the site key; answers the stored backup.',
          params: DeviceParams,
          response: {
            201: BackupSchema,
            ...errorResponses(400, 401, 403, 404, 409, 502, 504),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await backups.backUp(
              actorOf(request),
              request.params.siteId,
              request.params.serialNumber,
            ),
          ),
    );

    app.post(
      '/api/sites/:siteId/devices/:serialNumber/backups/:id/restore',
      {
        schema: {
          tags: ['backups'],
          summary:
            "Restore one of the site's backups onto the device; answers once the device restored it.",
          params: DeviceParams.extend({ id: z.string().max(100) }),
          response: {
            200: z.object({ restored: BackupSchema }),
            ...errorResponses(400, 401, 403, 404, 409, 502, 504),
          },
        },
      },
      async (request) =>
        backups.restore(
          actorOf(request),
          request.params.siteId,
          request.params.serialNumber,
          request.params.id,
        ),
    );

    app.get(
      '/api/sites/:siteId/backup-settings',
      {
        schema: {
          tags: ['backups'],
          summary: 'Whether the site backs its devices up daily, and how many backups each keeps.',
          params: SiteIdParams,
          response: { 200: SettingsSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => backups.settings(actorOf(request), request.params.siteId),
    );

    app.patch(
      '/api/sites/:siteId/backup-settings',
      {
        schema: {
          tags: ['backups'],
          summary: 'Turn daily backups on or off, or change how many backups each device keeps.',
          params: SiteIdParams,
          body: z.strictObject({ daily: z.boolean().optional(), keep: KeepField.optional() }),
          response: { 200: SettingsSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) =>
        backups.saveSettings(actorOf(request), request.params.siteId, request.body),
    );
  };
}
