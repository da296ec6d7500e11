import { request } from './api.ts';

/** Issue 20: the kinds of event an endpoint may ask for (src/core/webhook.rules.ts). */
export const WEBHOOK_EVENT_TYPES = [
  'device.added',
  'device.moved-away',
  'device.deleted',
  'device.online',
  'device.offline',
  'device.code-regenerated',
  'transfer.offered',
  'transfer.accepted',
  'access.granted',
  'access.refused',
  'rollout.finished',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  disabledReason: string | null;
  failedDeliveries: number;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  type: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  finishedAt: string | null;
  payload: string;
}

const path = (id: string) => `/api/webhooks/${encodeURIComponent(id)}`;

/** Webhooks (issue 20): company admins' endpoints and their delivery log. */
export const webhooksApi = {
  list: () => request<{ items: WebhookEndpoint[] }>('GET', '/api/webhooks'),
  create: (body: { url: string; events: WebhookEventType[]; secret?: string }) =>
    request<WebhookEndpoint & { secret: string }>('POST', '/api/webhooks', body),
  update: (id: string, body: { url?: string; events?: WebhookEventType[]; enabled?: boolean }) =>
    request<WebhookEndpoint>('PATCH', path(id), body),
  remove: (id: string) => request<null>('DELETE', path(id)),
  deliveries: (id: string) =>
    request<{ items: WebhookDelivery[]; nextCursor: string | null }>(
      'GET',
      `${path(id)}/deliveries`,
    ),
  test: (id: string) => request<WebhookDelivery>('POST', `${path(id)}/test`, {}),
  resend: (id: string, deliveryId: string) =>
    request<WebhookDelivery>(
      'POST',
      `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}/resend`,
      {},
    ),
};
