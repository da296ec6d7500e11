import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_OFFER_DEVICES } from '../../../core/transfer.rules.ts';
import type { TransferRequestsService } from '../../services/transfer-requests.service.ts';
import type { TransfersService } from '../../services/transfers.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { EmailField, errorResponses, SecurityCodeField, SerialNumberField } from '../schemas.ts';

const Named = z.object({ id: z.string(), name: z.string() });

const TransferSchema = z
  .object({
    id: z.string(),
    state: z.enum(['pending', 'accepted', 'rejected', 'cancelled', 'expired']),
    fromCompany: Named,
    toCompany: Named,
    toEmail: z.string(),
    site: Named.nullable().describe('The whole site offered, else null'),
    devices: z.array(
      z.object({ serialNumber: z.string(), model: z.string(), name: z.string().nullable() }),
    ),
    reason: z.string().nullable().describe('Why it ended without an answer'),
    createdAt: z.string(),
    expiresAt: z.string(),
    answeredAt: z.string().nullable(),
  })
  .meta({ id: 'Transfer' });

const TransferRequestSchema = z
  .object({
    id: z.string(),
    state: z.enum(['pending', 'approved', 'declined', 'cancelled', 'expired']),
    serialNumber: z.string(),
    model: z.string(),
    site: Named.describe("Received: the owner's site holding the device; sent: the site chosen"),
    requesterCompanyName: z.string().nullable().describe('Received only, and only when shared'),
    createdAt: z.string(),
    expiresAt: z.string(),
    answeredAt: z.string().nullable(),
  })
  .meta({ id: 'TransferRequest' });

const Created = z.object({ id: z.string(), state: z.literal('pending'), expiresAt: z.string() });
const IdParams = z.strictObject({ id: z.string().max(100) });

/** Offers between companies and requests to release a device (issue 18). */
export function transfersRoutes(deps: {
  transfers: TransfersService;
  requests: TransferRequestsService;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/transfers',
      {
        schema: {
          tags: ['transfers'],
          summary:
            'Offer devices, or a whole site, to another company by the e-mail of a person there.',
          description:
            "Exactly one of serialNumbers (devices of the current company in sites you manage) or siteId (a site you manage). The recipient's company admins answer within 7 days; until then everything stays with you.",
          body: z.strictObject({
            toEmail: EmailField,
            serialNumbers: z.array(SerialNumberField).max(MAX_OFFER_DEVICES).optional(),
            siteId: z.string().min(1).max(100).optional(),
          }),
          response: {
            201: Created,
            ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await deps.transfers.offer(actorOf(request), request.body)),
    );

    app.get(
      '/api/transfers',
      {
        schema: {
          tags: ['transfers'],
          summary: "The current company's offers, made and received, newest first.",
          response: {
            200: z.object({ offered: z.array(TransferSchema), received: z.array(TransferSchema) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => deps.transfers.list(actorOf(request)),
    );

    app.post(
      '/api/transfers/:id/accept',
      {
        schema: {
          tags: ['transfers'],
          summary:
            "Accept an offer (the receiving company's admins): devices go to siteId, a whole site comes as it is.",
          params: IdParams,
          body: z.strictObject({ siteId: z.string().min(1).max(100).optional() }).nullish(),
          response: {
            200: z.object({ transfer: TransferSchema }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      async (request) =>
        deps.transfers.accept(actorOf(request), request.params.id, request.body?.siteId),
    );

    app.post(
      '/api/transfers/:id/reject',
      {
        schema: {
          tags: ['transfers'],
          summary: "Reject an offer (the receiving company's admins); nothing moves.",
          params: IdParams,
          response: {
            200: z.object({ transfer: TransferSchema }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => deps.transfers.reject(actorOf(request), request.params.id),
    );

    app.post(
      '/api/transfers/:id/cancel',
      {
        schema: {
          tags: ['transfers'],
          summary:
            'Cancel a pending offer (the offering company’s admins or the person who offered).',
          params: IdParams,
          response: {
            200: z.object({ transfer: TransferSchema }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => deps.transfers.cancel(actorOf(request), request.params.id),
    );

    app.post(
      '/api/transfer-requests',
      {
        schema: {
          tags: ['transfers'],
          summary:
            "Ask a device's owner to release it into your site (serial number and current security code).",
          description:
            'A wrong serial number or code is refused as a claim would be and counts toward the same limits. Requests are limited per account.',
          body: z.strictObject({
            serialNumber: SerialNumberField,
            securityCode: SecurityCodeField,
            siteId: z.string().min(1).max(100),
            shareCompanyName: z.boolean(),
          }),
          response: {
            201: Created,
            ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await deps.requests.request(actorOf(request), request.body)),
    );

    app.get(
      '/api/transfer-requests',
      {
        schema: {
          tags: ['transfers'],
          summary:
            'Requests to release devices, sent and received by the current company, newest first.',
          response: {
            200: z.object({
              sent: z.array(TransferRequestSchema),
              received: z.array(TransferRequestSchema),
            }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => deps.requests.list(actorOf(request)),
    );

    app.post(
      '/api/transfer-requests/:id/approve',
      {
        schema: {
          tags: ['transfers'],
          summary:
            "Approve a request (admins and the device site's site-admins): the device moves to the requester's site.",
          params: IdParams,
          response: {
            200: z.object({ request: TransferRequestSchema }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => deps.requests.approve(actorOf(request), request.params.id),
    );

    app.post(
      '/api/transfer-requests/:id/decline',
      {
        schema: {
          tags: ['transfers'],
          summary: 'Decline a request; the requester is told it was declined, nothing else.',
          params: IdParams,
          response: {
            200: z.object({ request: TransferRequestSchema }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => deps.requests.decline(actorOf(request), request.params.id),
    );
  };
}
