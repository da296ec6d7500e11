import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_LIMITS } from '../../../core/webhook.rules.ts';
import type { WebhooksService } from '../../services/webhooks.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses } from '../schemas.ts';

const IdParams = z.strictObject({ id: z.string().max(100) });
const DeliveryParams = z.strictObject({
  id: z.string().max(100),
  deliveryId: z.string().max(100),
});

const Events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, 'Choose at least one kind of event.')
  .max(WEBHOOK_EVENT_TYPES.length * 2);
const Url = z.string().min(1).max(WEBHOOK_LIMITS.urlLength, 'A URL has at most 2,048 characters.');

const CreateBody = z.strictObject({
  url: Url,
  events: Events,
  secret: z.string().max(WEBHOOK_LIMITS.secretMaxLength).optional(),
});
const PatchBody = z.strictObject({
  url: Url.optional(),
  events: Events.optional(),
  enabled: z.boolean().optional(),
});

const Endpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  failedDeliveries: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const Delivery = z.object({
  id: z.string(),
  eventId: z.string(),
  type: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  payload: z.string(),
});

/** Issue 20: webhook endpoints and their delivery log (company admins). */
export function webhooksRoutes(webhooks: WebhooksService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/webhooks',
      {
        schema: {
          tags: ['webhooks'],
          summary: "The company's webhook endpoints (company admins).",
          response: {
            200: z.object({ items: z.array(Endpoint), nextCursor: z.string().nullable() }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => webhooks.list(actorOf(request)),
    );
    app.post(
      '/api/webhooks',
      {
        schema: {
          tags: ['webhooks'],
          summary:
            'Registers an endpoint for some kinds of event; the answer carries its signing secret, shown only this once.',
          body: CreateBody,
          response: {
            201: Endpoint.extend({ secret: z.string() }),
            ...errorResponses(400, 401, 403, 404, 409, 422),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await webhooks.create(actorOf(request), request.body)),
    );
    app.patch(
      '/api/webhooks/:id',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Changes an endpoint: its URL, its kinds, or enables or disables it.',
          params: IdParams,
          body: PatchBody,
          response: { 200: Endpoint, ...errorResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => webhooks.update(actorOf(request), request.params.id, request.body),
    );
    app.delete(
      '/api/webhooks/:id',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Deletes an endpoint and its delivery log.',
          params: IdParams,
          response: { 204: z.null().describe('Deleted'), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await webhooks.remove(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/api/webhooks/:id/deliveries',
      {
        schema: {
          tags: ['webhooks'],
          summary:
            "The endpoint's deliveries, newest first: state, attempts, last answer, next try.",
          params: IdParams,
          querystring: z.strictObject({ cursor: z.string().max(200).optional() }),
          response: {
            200: z.object({ items: z.array(Delivery), nextCursor: z.string().nullable() }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) =>
        webhooks.deliveries(actorOf(request), request.params.id, request.query.cursor),
    );
    app.post(
      '/api/webhooks/:id/test',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Queues a webhook.test event to this endpoint only.',
          params: IdParams,
          response: { 202: Delivery, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await webhooks.test(actorOf(request), request.params.id)),
    );
    app.post(
      '/api/webhooks/:id/deliveries/:deliveryId/resend',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Sends a delivery again, with the same Latchkey-Delivery id.',
          params: DeliveryParams,
          response: { 202: Delivery, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await webhooks.resend(actorOf(request), request.params.id, request.params.deliveryId),
          ),
    );
  };
}
