import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACCESS_CREDENTIALS } from '../../../core/link.protocol.ts';
import type { AccessLogService } from '../../services/access-log.service.ts';
import {
  DEVICE_ACTIONS,
  type DeviceActionsService,
} from '../../services/device-actions.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, SerialNumberField, SiteIdParams } from '../schemas.ts';

/** 2N: switches 1 to 4 (SWITCHES_PER_DEVICE). */
const SwitchField = z
  .number()
  .int()
  .min(1, 'Use a switch from 1 to 4.')
  .max(4, 'Use a switch from 1 to 4.');

/** An ISO 8601 time, normalised to the UTC text the log is stored in. */
const TimeField = z
  .string()
  .max(40)
  .refine(
    (value) => !Number.isNaN(Date.parse(value)),
    'Give a time in ISO 8601, such as 2026-05-01T08:00:00Z.',
  )
  .transform((value) => new Date(value).toISOString());

const AccessLogQuery = z.strictObject({
  serialNumber: SerialNumberField.optional(),
  residentId: z.string().max(100).optional(),
  granted: z.enum(['true', 'false'], 'Use granted=true or granted=false.').optional(),
  credential: z.enum(ACCESS_CREDENTIALS, `Use one of ${ACCESS_CREDENTIALS.join(', ')}.`).optional(),
  from: TimeField.optional(),
  to: TimeField.optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100, 'Ask for at most 100 events a page.').default(50),
});

const AccessLogItemSchema = z.object({
  id: z.string(),
  at: z.string(),
  serialNumber: z.string(),
  deviceName: z.string().optional(),
  switch: z.number().int().nullable(),
  accessPoint: z.number().int().nullable(),
  granted: z.boolean(),
  credential: z.string(),
  residentId: z.string().optional(),
  residentName: z.string().optional(),
  apartmentName: z.string().optional(),
  reason: z.string().optional(),
});

/** The door, back to the cloud (issue 17): the access log and remote actions. */
export function doorRoutes(deps: {
  accessLog: AccessLogService;
  deviceActions: DeviceActionsService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/sites/:siteId/access-log',
      {
        schema: {
          tags: ['door'],
          summary: "The site's access log: door events its devices reported, newest first.",
          params: SiteIdParams,
          querystring: AccessLogQuery,
          response: {
            200: z.object({
              items: z.array(AccessLogItemSchema),
              nextCursor: z.string().nullable(),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { cursor, limit, granted, ...filter } = request.query;
        return deps.accessLog.list(
          actorOf(request),
          request.params.siteId,
          { ...filter, ...(granted === undefined ? {} : { granted: granted === 'true' }) },
          cursor,
          limit,
        );
      },
    );

    app.post(
      '/api/sites/:siteId/devices/:serialNumber/actions',
      {
        schema: {
          tags: ['door'],
          summary:
            "Open a door, restart the device or ask it to report its state; the answer is the device's.",
          params: z.strictObject({ siteId: z.string().max(100), serialNumber: SerialNumberField }),
          body: z
            .strictObject({ action: z.enum(DEVICE_ACTIONS), switch: SwitchField.optional() })
            .refine((body) => body.switch === undefined || body.action === 'open-door', {
              message: 'Only open-door takes a switch.',
              path: ['switch'],
            }),
          response: {
            200: z.object({
              action: z.enum(DEVICE_ACTIONS),
              answer: z.record(z.string(), z.unknown()),
            }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415, 502, 504),
          },
        },
      },
      async (request) =>
        deps.deviceActions.act(
          actorOf(request),
          request.params.siteId,
          request.params.serialNumber,
          request.body,
        ),
    );
  };
}
