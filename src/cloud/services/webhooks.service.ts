import { randomUUID } from 'node:crypto';
import { LatchkeyError } from '../../core/errors.ts';
import {
  newWebhookSecret,
  WEBHOOK_LIMITS,
  WEBHOOK_TEST_EVENT,
  type WebhookEventType,
} from '../../core/webhook.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { decodeCursor, encodeCursor } from '../store/cursor.ts';
import { newDelivery, webhooksRepo } from '../store/repos/webhooks.repo.ts';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { HostResolver } from './webhook-url.ts';
import { checkWebhookUrl } from './webhook-url.ts';

const DELIVERIES_PAGE = 50;

export interface WebhookInput {
  url: string;
  events: WebhookEventType[];
  secret?: string | undefined;
}

export interface WebhookPatch {
  url?: string | undefined;
  events?: WebhookEventType[] | undefined;
  enabled?: boolean | undefined;
}

/** An endpoint as the API shows it: never its secret. */
export function publicEndpoint(row: WebhookEndpointsTable) {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    failedDeliveries: row.failed_deliveries,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A delivery as the log shows it; the body too, as it was signed. */
export function publicDelivery(row: Omit<WebhookDeliveriesTable, 'seq'>) {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.event_type,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    payload: row.payload,
  };
}

/**
 * Issue 20: a company's webhook endpoints and their delivery log (company admins only). The
 * secret is sealed at rest and shown once, in the answer that created it.
 */
export function createWebhooksService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  secrets: SecretBox;
  allowInsecure: boolean;
  resolve: HostResolver;
}) {
  const repo = () => webhooksRepo(deps.store.db);
  const now = () => iso(deps.clock.now());
  const changed = (companyId: string, endpointId: string) =>
    deps.events.emit('webhook-changed', { companyId, endpointId });

  async function endpointOf(actor: Actor, id: string) {
    const { companyId } = await deps.access.requireCompany(actor, 'company:admin');
    const endpoint = await repo().findEndpoint(companyId, id);
    if (!endpoint) throw new LatchkeyError('WEBHOOK_NOT_FOUND');
    return endpoint;
  }

  function checkSecret(secret: string) {
    if (
      secret.length < WEBHOOK_LIMITS.secretMinLength ||
      secret.length > WEBHOOK_LIMITS.secretMaxLength
    ) {
      throw new LatchkeyError('WEBHOOK_SECRET_TOO_SHORT');
    }
  }

  return {
    async list(actor: Actor) {
      const { companyId } = await deps.access.requireCompany(actor, 'company:admin');
      return {
        items: (await repo().listEndpoints(companyId)).map(publicEndpoint),
        nextCursor: null,
      };
    },

    /** POST /api/webhooks: the one answer that carries the secret. */
    async create(actor: Actor, input: WebhookInput) {
      const { companyId } = await deps.access.requireCompany(actor, 'company:admin');
      if (input.secret !== undefined) checkSecret(input.secret);
      const url = await checkWebhookUrl(input.url, deps.allowInsecure, deps.resolve);
      const id = `wh_${randomUUID()}`;
      const secret = input.secret ?? newWebhookSecret();
      const at = now();
      const row: WebhookEndpointsTable = {
        id,
        company_id: companyId,
        url,
        // The row id is the associated data: a sealed secret moved to another row fails to open.
        secret_enc: deps.secrets.seal(Buffer.from(secret), id),
        events: JSON.stringify([...new Set(input.events)]),
        enabled: 1,
        disabled_reason: null,
        failed_deliveries: 0,
        failing_since: null,
        created_at: at,
        updated_at: at,
      };
      await deps.store.transaction(async (trx) => {
        const repoIn = webhooksRepo(trx);
        // Counted under a lock per company (PostgreSQL advisory lock): two creates cannot both pass.
        await deps.store.dialect.lockKeys(trx, [`latchkey:webhooks:${companyId}`]);
        if ((await repoIn.countFor(companyId)) >= WEBHOOK_LIMITS.endpointsPerCompany) {
          throw new LatchkeyError('WEBHOOK_LIMIT');
        }
        await repoIn.insertEndpoint(row);
      });
      changed(companyId, id);
      return { ...publicEndpoint(row), secret };
    },

    async update(actor: Actor, id: string, patch: WebhookPatch) {
      const endpoint = await endpointOf(actor, id);
      const at = now();
      const set: Partial<WebhookEndpointsTable> = { updated_at: at };
      if (patch.url !== undefined) {
        set.url = await checkWebhookUrl(patch.url, deps.allowInsecure, deps.resolve);
      }
      if (patch.events !== undefined) set.events = JSON.stringify([...new Set(patch.events)]);
      if (patch.enabled === true && endpoint.enabled === 0) {
        Object.assign(set, {
          enabled: 1,
          disabled_reason: null,
          failed_deliveries: 0,
          failing_since: null,
        });
      }
      if (patch.enabled === false)
        Object.assign(set, { enabled: 0, disabled_reason: 'by an admin' });
      await deps.store.transaction(async (trx) => {
        await webhooksRepo(trx).updateEndpoint(endpoint.company_id, id, set);
        // What waited while it was disabled is sent now, in order.
        if (set.enabled === 1) await webhooksRepo(trx).duePendingOf(id, at);
      });
      changed(endpoint.company_id, id);
      return publicEndpoint({ ...endpoint, ...set });
    },

    async remove(actor: Actor, id: string) {
      const endpoint = await endpointOf(actor, id);
      await deps.store.transaction((trx) =>
        webhooksRepo(trx).deleteEndpoint(endpoint.company_id, id),
      );
      changed(endpoint.company_id, id);
    },

    /** GET /api/webhooks/:id/deliveries: newest first. */
    async deliveries(actor: Actor, id: string, cursor: string | undefined) {
      const endpoint = await endpointOf(actor, id);
      let before: number | null = null;
      if (cursor !== undefined) {
        const key = decodeCursor(cursor, 1);
        if (key === null || !/^\d+$/.test(key[0]!)) throw invalidCursor();
        before = Number(key[0]);
      }
      const rows = await repo().listDeliveries(endpoint.id, before, DELIVERIES_PAGE + 1);
      const items = rows.slice(0, DELIVERIES_PAGE);
      const last = items[items.length - 1];
      return {
        items: items.map(publicDelivery),
        nextCursor: rows.length > DELIVERIES_PAGE && last ? encodeCursor([String(last.seq)]) : null,
      };
    },

    /** POST /api/webhooks/:id/test: a `webhook.test` event to this endpoint only. */
    async test(actor: Actor, id: string) {
      const endpoint = await endpointOf(actor, id);
      if (endpoint.enabled !== 1) throw new LatchkeyError('WEBHOOK_DISABLED');
      const eventId = `evt_${randomUUID()}`;
      const row = newDelivery(endpoint.id, eventId, {
        companyId: endpoint.company_id,
        type: WEBHOOK_TEST_EVENT,
        data: { endpointId: endpoint.id },
        createdAt: now(),
      });
      await repo().insertDelivery(row);
      changed(endpoint.company_id, id);
      return publicDelivery(row);
    },

    /** Sends a delivery again with the same id (a receiver deduplicates on Latchkey-Delivery). */
    async resend(actor: Actor, id: string, deliveryId: string) {
      const endpoint = await endpointOf(actor, id);
      if (endpoint.enabled !== 1) throw new LatchkeyError('WEBHOOK_DISABLED');
      const delivery = await repo().findDelivery(endpoint.id, deliveryId);
      if (!delivery) throw new LatchkeyError('WEBHOOK_DELIVERY_NOT_FOUND');
      const at = now();
      await repo().resend(delivery.id, at);
      changed(endpoint.company_id, id);
      return publicDelivery({
        ...delivery,
        state: 'pending',
        next_attempt_at: at,
        finished_at: null,
      });
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
