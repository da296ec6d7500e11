/**
 * Issue 20: the kinds of event a webhook endpoint may ask for (docs/decisions/20-webhooks.md).
 * Dotted names, the thing first, as the audit trail names its actions. A file of its own, with
 * no Node import, so the portal's form lists the same kinds in the same order.
 */
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
