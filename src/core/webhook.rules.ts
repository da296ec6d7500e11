import { createHmac, randomBytes } from 'node:crypto';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.ts';

/** What POST /api/webhooks/:id/test sends; no endpoint subscribes to it. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Bounds of one company's webhooks. */
export const WEBHOOK_LIMITS = {
  endpointsPerCompany: 20,
  urlLength: 2048,
  secretMinLength: 16,
  secretMaxLength: 200,
} as const;

/**
 * The retry schedule after a failed attempt, about 24 h in all (as Stripe retries over days);
 * after its last entry the delivery is failed.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS = [
  10_000,
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  8 * 3_600_000,
  8 * 3_600_000,
] as const;

/** A fresh secret: `whsec_` and 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * The Latchkey-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
 * as Stripe signs its webhooks (RFC 2104 HMAC); the timestamp in the signed text lets a
 * receiver refuse replays of old deliveries.
 */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** When the attempt numbered `attempts` (1 the first) failed, the wait before the next; null: none. */
export function retryDelay(schedule: readonly number[], attempts: number): number | null {
  return schedule[attempts - 1] ?? null;
}
