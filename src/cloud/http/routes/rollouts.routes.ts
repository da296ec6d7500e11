import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RolloutsService } from '../../services/rollouts.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, SerialNumberField } from '../schemas.ts';

const RolloutIdParams = z.strictObject({ id: z.string().max(100) });

const StartRolloutBody = z
  .strictObject({
    firmwareId: z.string().min(1).max(100),
    serialNumbers: z
      .array(SerialNumberField)
      .min(1, 'Choose at least one device.')
      .max(10_000, 'A rollout takes at most 10,000 devices.')
      .optional(),
    siteId: z.string().max(100).optional(),
    concurrency: z
      .number()
      .int()
      .min(1, 'Update at least one device at a time.')
      .max(500, 'Update at most 500 devices at a time.')
      .optional(),
    stopWhenFailedPercent: z
      .number()
      .int()
      .min(0, 'Give a share from 0 to 100 %.')
      .max(100, 'Give a share from 0 to 100 %.')
      .optional(),
    allowDowngrade: z.boolean().optional(),
  })
  .refine((body) => (body.serialNumbers === undefined) !== (body.siteId === undefined), {
    message: 'Give either serialNumbers or siteId.',
    path: ['serialNumbers'],
  });

const RolloutDevice = z.object({
  serialNumber: z.string(),
  siteId: z.string(),
  step: z.string(),
  percent: z.number().int().optional(),
  error: z.string().optional(),
  fromVersion: z.string().nullable(),
  attempts: z.number().int(),
  updatedAt: z.string(),
});

const RolloutSummary = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'stopped', 'cancelled']),
  firmware: z.object({ id: z.string(), model: z.string(), version: z.string() }),
  concurrency: z.number().int(),
  stopWhenFailedPercent: z.number().int(),
  allowDowngrade: z.boolean(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  reason: z.string().nullable(),
  counts: z.object({
    total: z.number().int(),
    pending: z.number().int(),
    inProgress: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    cancelled: z.number().int(),
  }),
});

const Rollout = RolloutSummary.extend({ devices: z.array(RolloutDevice) });

/** Firmware rollouts (issue 19). */
export function rolloutsRoutes(rollouts: RolloutsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/rollouts',
      {
        schema: {
          tags: ['firmware'],
          summary:
            'Starts a firmware rollout to chosen devices or a whole site, a few at a time (site-admin).',
          body: StartRolloutBody,
          response: {
            201: z.object({ id: z.string() }),
            ...errorResponses(400, 401, 403, 404, 409, 422),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await rollouts.start(actorOf(request), request.body)),
    );
    app.get(
      '/api/rollouts',
      {
        schema: {
          tags: ['firmware'],
          summary: "The company's rollouts, newest first (the devices of sites you see).",
          response: {
            200: z.object({ items: z.array(RolloutSummary), nextCursor: z.string().nullable() }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => rollouts.list(actorOf(request)),
    );
    app.get(
      '/api/rollouts/:id',
      {
        schema: {
          tags: ['firmware'],
          summary: 'A rollout: its state and the step of each device.',
          params: RolloutIdParams,
          response: { 200: Rollout, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => rollouts.get(actorOf(request), request.params.id),
    );
    app.post(
      '/api/rollouts/:id/cancel',
      {
        schema: {
          tags: ['firmware'],
          summary:
            'Cancels a running rollout: devices not yet sent it are not; those updating finish.',
          params: RolloutIdParams,
          response: { 200: Rollout, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) => rollouts.cancel(actorOf(request), request.params.id),
    );
  };
}
