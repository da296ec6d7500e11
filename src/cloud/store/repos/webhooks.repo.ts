import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor, WebhookDeliveriesTable, WebhookEndpointsTable } from '../schema.ts';

/** One event as it is queued for the endpoints of its company that asked for its kind. */
export interface WebhookEventDraft {
  companyId: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** A delivery row as it is queued (its `seq` is the database's). */
export type NewDelivery = Omit<WebhookDeliveriesTable, 'seq'>;

/** An enabled endpoint as the outbox reads it: its company and the kinds it asked for. */
export type SubscribedEndpoint = Pick<WebhookEndpointsTable, 'id' | 'company_id' | 'events'>;

/**
 * The outbox's rows: one delivery per event and endpoint of its company that asked for its
 * kind, all of an event's deliveries under one event id.
 */
export function deliveriesFor(
  events: readonly WebhookEventDraft[],
  subscribed: readonly SubscribedEndpoint[],
): NewDelivery[] {
  const rows: NewDelivery[] = [];
  if (subscribed.length === 0) return rows;
  for (const event of events) {
    const eventId = `evt_${randomUUID()}`;
    for (const endpoint of subscribed) {
      if (endpoint.company_id !== event.companyId) continue;
      if (!(JSON.parse(endpoint.events) as string[]).includes(event.type)) continue;
      rows.push(newDelivery(endpoint.id, eventId, event));
    }
  }
  return rows;
}

/** The JSON body every delivery carries (docs/decisions/20-webhooks.md). */
export function webhookPayload(eventId: string, event: WebhookEventDraft): string {
  return JSON.stringify({
    id: eventId,
    type: event.type,
    createdAt: event.createdAt,
    companyId: event.companyId,
    data: event.data,
  });
}

/** A pending delivery row for one endpoint (its id stays the same over every retry). */
export function newDelivery(endpointId: string, eventId: string, event: WebhookEventDraft) {
  return {
    id: `whd_${randomUUID()}`,
    endpoint_id: endpointId,
    company_id: event.companyId,
    event_id: eventId,
    event_type: event.type,
    payload: webhookPayload(eventId, event),
    state: 'pending',
    attempts: 0,
    next_attempt_at: event.createdAt,
    lease_until: null,
    last_status: null,
    last_error: null,
    last_attempt_at: null,
    created_at: event.createdAt,
    finished_at: null,
  } satisfies NewDelivery;
}

// The oldest pending delivery of each endpoint: only it may be attempted (order per endpoint).
const isHead = sql<boolean>`webhook_deliveries.seq = (select min(d2.seq) from webhook_deliveries d2 where d2.endpoint_id = webhook_deliveries.endpoint_id and d2.state = 'pending')`;

/** Webhook endpoints and the queue of their deliveries (issue 20). */
export function webhooksRepo(db: Executor) {
  const endpoints = () => db.selectFrom('webhook_endpoints').selectAll();
  /** The enabled endpoints of these companies, whatever kinds they asked for (deliveriesFor). */
  const webhookEndpointsOf = async (companyIds: readonly string[]) =>
    companyIds.length === 0
      ? []
      : db
          .selectFrom('webhook_endpoints')
          .select(['id', 'company_id', 'events'])
          .where('company_id', 'in', [...new Set(companyIds)])
          .where('enabled', '=', 1)
          .orderBy('id')
          .execute();
  /** Queued deliveries, in the caller's transaction (none: no statement). */
  const insertDeliveries = async (rows: readonly NewDelivery[]) => {
    if (rows.length > 0)
      await db
        .insertInto('webhook_deliveries')
        .values([...rows])
        .execute();
  };
  return {
    countFor: async (companyId: string) =>
      Number(
        (
          await db
            .selectFrom('webhook_endpoints')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('company_id', '=', companyId)
            .executeTakeFirst()
        )?.n ?? 0,
      ),
    insertEndpoint: (row: WebhookEndpointsTable) =>
      db.insertInto('webhook_endpoints').values(row).execute(),
    listEndpoints: (companyId: string) =>
      endpoints().where('company_id', '=', companyId).orderBy('created_at').orderBy('id').execute(),
    findEndpoint: (companyId: string, id: string) =>
      endpoints().where('company_id', '=', companyId).where('id', '=', id).executeTakeFirst(),
    endpointById: (id: string) => endpoints().where('id', '=', id).executeTakeFirst(),
    updateEndpoint: async (
      companyId: string,
      id: string,
      set: Partial<Omit<WebhookEndpointsTable, 'id' | 'company_id'>>,
    ) => {
      const result = await db
        .updateTable('webhook_endpoints')
        .set(set)
        .where('company_id', '=', companyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Deletes the endpoint and its deliveries; false when it is not the company's. */
    deleteEndpoint: async (companyId: string, id: string) => {
      const found = await endpoints()
        .where('company_id', '=', companyId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!found) return false;
      await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
      return true;
    },

    /**
     * The outbox (docs/decisions/20-webhooks.md): one delivery per event and enabled endpoint of
     * its company that asked for its kind, written in the caller's transaction. Returns how many.
     */
    async enqueue(events: readonly WebhookEventDraft[]): Promise<number> {
      if (events.length === 0) return 0;
      const subscribed = await webhookEndpointsOf(events.map((event) => event.companyId));
      const rows = deliveriesFor(events, subscribed);
      await insertDeliveries(rows);
      return rows.length;
    },
    webhookEndpointsOf,
    insertDeliveries,
    insertDelivery: (row: NewDelivery) => db.insertInto('webhook_deliveries').values(row).execute(),

    /** The endpoint's deliveries, newest first; `before` is the seq of the last one shown. */
    listDeliveries: (endpointId: string, before: number | null, limit: number) => {
      let query = db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .orderBy('seq', 'desc')
        .limit(limit);
      if (before !== null) query = query.where('seq', '<', before);
      return query.execute();
    },
    findDelivery: (endpointId: string, id: string) =>
      db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .where('id', '=', id)
        .executeTakeFirst(),
    /** A delivery sent again: pending and due now, its id and attempts kept. */
    resend: (id: string, now: string) =>
      db
        .updateTable('webhook_deliveries')
        .set({ state: 'pending', next_attempt_at: now, finished_at: null })
        .where('id', '=', id)
        .execute(),
    /** An endpoint enabled again: what waited behind it is due now. */
    duePendingOf: (endpointId: string, now: string) =>
      db
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now })
        .where('endpoint_id', '=', endpointId)
        .where('state', '=', 'pending')
        .execute(),

    /** The head delivery of each enabled endpoint that is due and not leased by a node. */
    dueHeads: (now: string, limit: number) =>
      db
        .selectFrom('webhook_deliveries')
        .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
        .selectAll('webhook_deliveries')
        .where('webhook_endpoints.enabled', '=', 1)
        .where('webhook_deliveries.state', '=', 'pending')
        .where(isHead)
        .where('webhook_deliveries.next_attempt_at', '<=', now)
        .where((eb) =>
          eb.or([
            eb('webhook_deliveries.lease_until', 'is', null),
            eb('webhook_deliveries.lease_until', '<=', now),
          ]),
        )
        .orderBy('webhook_deliveries.seq')
        .limit(limit)
        .execute(),
    /** When the next head becomes due (its retry time, or the end of a lease), if any. */
    nextDueAt: async (): Promise<string | null> => {
      const row = await db
        .selectFrom('webhook_deliveries')
        .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
        .select(
          sql<
            string | null
          >`min(case when webhook_deliveries.lease_until is not null and webhook_deliveries.lease_until > webhook_deliveries.next_attempt_at then webhook_deliveries.lease_until else webhook_deliveries.next_attempt_at end)`.as(
            'at',
          ),
        )
        .where('webhook_endpoints.enabled', '=', 1)
        .where('webhook_deliveries.state', '=', 'pending')
        .where(isHead)
        .executeTakeFirst();
      return row?.at ?? null;
    },
    /**
     * Takes the delivery for one attempt until `leaseUntil`: a conditional UPDATE, so of nodes
     * trying at once one wins; a lease left by a killed node expires and it is taken again.
     */
    lease: async (id: string, attempts: number, now: string, leaseUntil: string) => {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ lease_until: leaseUntil, attempts: attempts + 1, last_attempt_at: now })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('attempts', '=', attempts)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** The outcome of an attempt: delivered, failed for good, or pending until `next`. */
    settle: (
      id: string,
      outcome: Pick<WebhookDeliveriesTable, 'state' | 'last_status' | 'last_error'> & {
        next: string | null;
        now: string;
      },
    ) =>
      db
        .updateTable('webhook_deliveries')
        .set({
          state: outcome.state,
          last_status: outcome.last_status,
          last_error: outcome.last_error,
          lease_until: null,
          ...(outcome.next !== null ? { next_attempt_at: outcome.next } : {}),
          finished_at: outcome.state === 'pending' ? null : outcome.now,
        })
        .where('id', '=', id)
        .execute(),
    /** A delivery arrived: the endpoint's failure streak ends. */
    endpointSucceeded: (id: string) =>
      db
        .updateTable('webhook_endpoints')
        .set({ failed_deliveries: 0, failing_since: null })
        .where('id', '=', id)
        .execute(),
    /** An attempt failed: the streak starts now if it had not; a failed delivery counts one. */
    endpointFailed: async (id: string, now: string, deliveryFailed: boolean) => {
      await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({
          failing_since: eb.fn.coalesce('failing_since', eb.val(now)),
          failed_deliveries: deliveryFailed
            ? eb('failed_deliveries', '+', 1)
            : eb.ref('failed_deliveries'),
        }))
        .where('id', '=', id)
        .execute();
      return db
        .selectFrom('webhook_endpoints')
        .select(['failed_deliveries', 'failing_since', 'enabled'])
        .where('id', '=', id)
        .executeTakeFirst();
    },
    /** Who is told when an endpoint is disabled: the company's admins. */
    adminsOf: async (companyId: string) =>
      (
        await db
          .selectFrom('memberships')
          .select('user_id')
          .where('company_id', '=', companyId)
          .where('role', '=', 'admin')
          .orderBy('user_id')
          .execute()
      ).map((row) => row.user_id),
    /** Disables an enabled endpoint; true for the one caller that did (it tells the admins). */
    disable: async (id: string, reason: string, now: string) => {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ enabled: 0, disabled_reason: reason, updated_at: now })
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type WebhooksRepo = ReturnType<typeof webhooksRepo>;
