import type { StoreDialect } from '../dialect.ts';
import type { Executor, TransferRequestsTable } from '../schema.ts';
import { TRANSFER_LIST_LIMIT } from './transfers.repo.ts';

/** A request with its device's model and the names of both sites (left joined: they may go). */
const withNames = (db: Executor) =>
  db
    .selectFrom('transfer_requests')
    .innerJoin('devices', 'devices.serial_number', 'transfer_requests.serial_number')
    .innerJoin('companies as requester', 'requester.id', 'transfer_requests.requester_company_id')
    .leftJoin('sites as owner_site', 'owner_site.id', 'transfer_requests.owner_site_id')
    .leftJoin('sites as requester_site', 'requester_site.id', 'transfer_requests.site_id')
    .selectAll('transfer_requests')
    .select([
      'devices.model',
      'requester.name as requester_company_name',
      'owner_site.name as owner_site_name',
      'requester_site.name as requester_site_name',
    ]);

export type TransferRequestRow = Awaited<
  ReturnType<ReturnType<typeof withNames>['executeTakeFirstOrThrow']>
>;

/** Changes of a request that ends; applied only while it is still pending. */
export type RequestEnd = Pick<TransferRequestsTable, 'state'> &
  Partial<Pick<TransferRequestsTable, 'reason' | 'answered_at' | 'answered_by'>>;

/** Requests to release a device, by someone holding its current code (issue 18). */
export function transferRequestsRepo(db: Executor, dialect: StoreDialect) {
  return {
    insert: (row: TransferRequestsTable) =>
      db.insertInto('transfer_requests').values(row).execute(),
    /** Holds the request's row until the transaction ends, so two answers are taken in turn. */
    lock: (id: string) =>
      dialect.lockRows(db.selectFrom('transfer_requests').select('id').where('id', '=', id)),
    /**
     * Serialises the requests of one account until the transaction ends, so that the count of
     * its recent requests and the new one are atomic on every node.
     */
    lockRequester: (userId: string) => dialect.lockKeys(db, [`transfer-requests/${userId}`]),
    findById: (id: string) =>
      withNames(db).where('transfer_requests.id', '=', id).executeTakeFirst(),
    /** How many requests the person made since `since` (the per-account limit), and the oldest. */
    madeSince: async (userId: string, since: string) => {
      const rows = await db
        .selectFrom('transfer_requests')
        .select('created_at')
        .where('requester_user_id', '=', userId)
        .where('created_at', '>', since)
        .orderBy('created_at')
        .execute();
      return rows.map((row) => row.created_at);
    },
    /** Whether the company already has a request for the device pending at `now`. */
    pendingOf: async (serial: string, requesterCompanyId: string, now: string) =>
      (await db
        .selectFrom('transfer_requests')
        .select('id')
        .where('serial_number', '=', serial)
        .where('requester_company_id', '=', requesterCompanyId)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst()) !== undefined,
    /** Sent by a company (only `byUser`'s when set), newest first. */
    listSent: (companyId: string, byUser: string | null) => {
      let query = withNames(db).where('transfer_requests.requester_company_id', '=', companyId);
      if (byUser !== null) query = query.where('transfer_requests.requester_user_id', '=', byUser);
      return query
        .orderBy('transfer_requests.created_at', 'desc')
        .orderBy('transfer_requests.id', 'desc')
        .limit(TRANSFER_LIST_LIMIT)
        .execute();
    },
    /** Received by a company (only about `siteIds` when set), newest first. */
    listReceived: (companyId: string, siteIds: readonly string[] | null) => {
      let query = withNames(db).where('transfer_requests.owner_company_id', '=', companyId);
      if (siteIds !== null) {
        query = query.where('transfer_requests.owner_site_id', 'in', ['', ...siteIds]);
      }
      return query
        .orderBy('transfer_requests.created_at', 'desc')
        .orderBy('transfer_requests.id', 'desc')
        .limit(TRANSFER_LIST_LIMIT)
        .execute();
    },
    /** The pending requests for any of `serials`. */
    pendingFor: async (serials: readonly string[]) => {
      if (serials.length === 0) return [];
      return withNames(db)
        .where('transfer_requests.serial_number', 'in', [...serials])
        .where('transfer_requests.state', '=', 'pending')
        .execute();
    },
    /** Stores as expired the pending requests of `ids` past their expiry (read lazily). */
    expireDue: async (ids: readonly string[], now: string) => {
      if (ids.length === 0) return;
      await db
        .updateTable('transfer_requests')
        .set({ state: 'expired' })
        .where('id', 'in', [...ids])
        .where('state', '=', 'pending')
        .where('expires_at', '<=', now)
        .execute();
    },
    /** Ends a pending request; false when it was no longer pending. */
    end: async (id: string, end: RequestEnd) => {
      const result = await db
        .updateTable('transfer_requests')
        .set(end)
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type TransferRequestsRepo = ReturnType<typeof transferRequestsRepo>;
