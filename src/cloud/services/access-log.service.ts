import type { LogTarget } from './service-log.ts';
import { randomUUID } from 'node:crypto';
import { webhooksRepo, type WebhookEventDraft } from '../store/repos/webhooks.repo.ts';
import type { AccessEventMessage } from '../../core/link.protocol.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import {
  accessEventsRepo,
  type AccessLogFilter,
  type ResidentAtDoor,
} from '../store/repos/access-events.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import type { AccessEventsTable, Executor } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { batchedTransactions } from '../store/write-batcher.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';

/** Retention per site (docs/decisions.md, "Buildings"): 90 days, and never more than 100,000 events. */
export const ACCESS_LOG_RETENTION_DAYS = 90;
export const ACCESS_LOG_MAX_PER_SITE = 100_000;
/** A device clock this far ahead is wrong; such an event would sit on top of the log for ever. */
export const ACCESS_EVENT_FUTURE_TOLERANCE_MS = 60 * 60 * 1000;
/** A site is pruned after this many new events (pruning on every insert would cost a scan each). */
const PRUNE_EVERY = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Reported {
  serial: string;
  event: AccessEventMessage;
}

export interface AccessLogItem {
  id: string;
  at: string;
  serialNumber: string;
  deviceName?: string;
  switch: number | null;
  accessPoint: number | null;
  granted: boolean;
  credential: string;
  residentId?: string;
  residentName?: string;
  apartmentName?: string;
  reason?: string;
}

type ListedRow = AccessEventsTable & { device_name: string | null };

const publicItem = (row: ListedRow): AccessLogItem => ({
  id: row.id,
  at: row.at,
  serialNumber: row.serial_number,
  ...(row.device_name ? { deviceName: row.device_name } : {}),
  switch: row.switch,
  accessPoint: row.access_point,
  granted: row.granted === 1,
  credential: row.credential,
  ...(row.resident_id ? { residentId: row.resident_id } : {}),
  ...(row.resident_name ? { residentName: row.resident_name } : {}),
  ...(row.apartment_name ? { apartmentName: row.apartment_name } : {}),
  ...(row.reason ? { reason: row.reason } : {}),
});

/**
 * The site's access log (issue 17 "The door, back to the cloud"): records what devices report
 * at the door in the site that owns the device at that moment, with the resident and apartment
 * names as they were then, and lists it to those who see the site.
 */
/** Issue 20: a door event as a webhook: access.granted or access.refused. */
function accessWebhook(row: AccessEventsTable, companyOf: Map<string, string>): WebhookEventDraft {
  return {
    companyId: companyOf.get(row.site_id)!,
    type: row.granted === 1 ? 'access.granted' : 'access.refused',
    data: {
      serialNumber: row.serial_number,
      siteId: row.site_id,
      at: row.at,
      switch: row.switch,
      accessPoint: row.access_point,
      credential: row.credential,
      reason: row.reason,
      residentId: row.resident_id,
      residentName: row.resident_name,
      apartmentName: row.apartment_name,
    },
    createdAt: row.received_at,
  };
}

export function createAccessLogService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  /** Where dropped events are told, at info. */
  log: Pick<LogTarget, 'info'>;
  /** Issue 20: told after a commit that queued webhook deliveries (the dispatcher wakes). */
  onWebhooksQueued?: () => void;
}) {
  const { store, clock } = deps;
  const sincePrune = new Map<string, number>();

  /** The rows of a batch: owned devices only, residents mapped within the owning site. */
  async function rowsOf(
    trx: Executor,
    items: Reported[],
    companyOf: Map<string, string>,
  ): Promise<AccessEventsTable[]> {
    const owners = await devicesRepo(trx, store.dialect).ownersOf([
      ...new Set(items.map((item) => item.serial)),
    ]);
    const residentIds = items.flatMap(({ event }) =>
      event.uuid ? [event.uuid.toLowerCase()] : [],
    );
    const residents = new Map(
      (await accessEventsRepo(trx).residentsByIds([...new Set(residentIds)])).map((r) => [r.id, r]),
    );
    const now = clock.now();
    const received = iso(now);
    return items.flatMap(({ serial, event }) => {
      const owner = owners.get(serial);
      if (!owner) {
        deps.log.info({ serial }, 'access event dropped: the device is in no site');
        return [];
      }
      companyOf.set(owner.site_id, owner.company_id);
      const at = new Date(event.at);
      if (at.getTime() > now.getTime() + ACCESS_EVENT_FUTURE_TOLERANCE_MS) {
        deps.log.info({ serial, at: event.at }, 'access event dropped: its time is in the future');
        return [];
      }
      const found = event.uuid ? residents.get(event.uuid.toLowerCase()) : undefined;
      // A uuid of another site's resident is a local entry that happens to match: not theirs.
      const resident: ResidentAtDoor | undefined =
        found?.site_id === owner.site_id ? found : undefined;
      return [
        {
          id: randomUUID(),
          site_id: owner.site_id,
          serial_number: serial,
          at: iso(at),
          switch: event.switch,
          access_point: event.accessPoint,
          granted: event.granted ? 1 : 0,
          credential: event.credential,
          reason: event.reason ?? null,
          resident_id: resident?.id ?? null,
          resident_name: resident?.name ?? event.name ?? null,
          apartment_name: resident?.apartment_name ?? null,
          received_at: received,
        },
      ];
    });
  }

  /** Prunes the sites of `rows` that gathered PRUNE_EVERY events since their last pruning. */
  async function prune(trx: Executor, rows: AccessEventsTable[]): Promise<void> {
    const before = iso(new Date(clock.now().getTime() - ACCESS_LOG_RETENTION_DAYS * DAY_MS));
    for (const row of rows) {
      const count = (sincePrune.get(row.site_id) ?? 0) + 1;
      if (count < PRUNE_EVERY) {
        sincePrune.set(row.site_id, count);
        continue;
      }
      sincePrune.set(row.site_id, 0);
      await accessEventsRepo(trx).prune(row.site_id, before, ACCESS_LOG_MAX_PER_SITE);
    }
  }

  // A building's network coming back sends many devices' buffered door events at once: they
  // are written in batches, one transaction each.
  const recorder = batchedTransactions(store, async (trx, items: Reported[]) => {
    const companyOf = new Map<string, string>();
    const rows = await rowsOf(trx, items, companyOf);
    await accessEventsRepo(trx).insertMany(rows);
    await prune(trx, rows);
    // Issue 20: the outbox, in the batch's transaction.
    if ((await webhooksRepo(trx).enqueue(rows.map((row) => accessWebhook(row, companyOf)))) > 0) {
      queued = true;
    }
  });
  let queued = false;

  return {
    /** Stores one door event a device reported; resolves once it is committed. */
    async record(serial: string, event: AccessEventMessage) {
      await recorder.add({ serial, event });
      if (queued) {
        queued = false;
        deps.onWebhooksQueued?.();
      }
    },

    /** The site's access log, newest first (site:read). */
    async list(
      actor: Actor,
      siteId: string,
      filter: AccessLogFilter,
      cursor: string | undefined,
      limit: number,
    ) {
      await deps.access.requireSite(actor, 'site:read', siteId);
      const after = cursor === undefined ? null : decodeCursor(cursor, 2);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = await accessEventsRepo(store.db).list(
        siteId,
        filter,
        after as [string, string] | null,
        limit,
      );
      return toPage(rows, limit, (row) => [row.at, row.id], publicItem);
    },
  };
}

export type AccessLogService = ReturnType<typeof createAccessLogService>;
