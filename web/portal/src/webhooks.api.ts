import { request, type Answer, type RequestBody } from './api.ts';

/** Issue 20: an endpoint and a delivery, as the API answers them (src/client/cloud.openapi.ts). */
export type WebhookEndpoint = Answer<'/api/webhooks/{id}', 'patch'>;
export type WebhookDelivery = Answer<'/api/webhooks/{id}/test', 'post', 202>;
type CreateWebhook = RequestBody<'/api/webhooks', 'post'>;
type UpdateWebhook = RequestBody<'/api/webhooks/{id}', 'patch'>;
export type WebhookEventType = CreateWebhook['events'][number];

/** The kinds an endpoint may ask for, in the order the form lists them: the cloud's own list. */
export { WEBHOOK_EVENT_TYPES } from '../../../src/core/webhook-events.ts';

const path = (id: string) => `/api/webhooks/${encodeURIComponent(id)}`;

/** Webhooks (issue 20): company admins' endpoints and their delivery log. */
export const webhooksApi = {
  list: () => request<Answer<'/api/webhooks', 'get'>>('GET', '/api/webhooks'),
  create: (body: CreateWebhook) =>
    request<Answer<'/api/webhooks', 'post', 201>>('POST', '/api/webhooks', body),
  update: (id: string, body: UpdateWebhook) => request<WebhookEndpoint>('PATCH', path(id), body),
  remove: (id: string) => request<null>('DELETE', path(id)),
  deliveries: (id: string) =>
    request<Answer<'/api/webhooks/{id}/deliveries', 'get'>>('GET', `${path(id)}/deliveries`),
  test: (id: string) => request<WebhookDelivery>('POST', `${path(id)}/test`, {}),
  resend: (id: string, deliveryId: string) =>
    request<WebhookDelivery>(
      'POST',
      `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}/resend`,
      {},
    ),
};
