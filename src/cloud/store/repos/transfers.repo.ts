import type { StoreDialect } from '../dialect.ts';
import type { Executor, TransferItemsTable, TransfersTable } from '../schema.ts';

/** How many offers one listing shows per side, newest first (the portal shows them all). */
export const TRANSFER_LIST_LIMIT = 500;

/** An offer with the names of its companies and of the whole site offered (left joined). */
const withNames = (db: Executor) =>
  db
    .selectFrom('transfers')
    .innerJoin('companies as from_company', 'from_company.id', 'transfers.from_company_id')
    .innerJoin('companies as to_company', 'to_company.id', 'transfers.to_company_id')
    .leftJoin('sites', 'sites.id', 'transfers.site_id')
    .selectAll('transfers')
    .select([
      'from_company.name as from_company_name',
      'to_company.name as to_company_name',
      'sites.name as site_name',
    ]);

export type TransferRow = Awaited<
  ReturnType<ReturnType<typeof withNames>['executeTakeFirstOrThrow']>
>;

/** Changes of an offer that ends; applied only while it is still pending. */
export type TransferEnd = Pick<TransfersTable, 'state'> &
  Partial<Pick<TransfersTable, 'reason' | 'answered_at' | 'answered_by' | 'accepted_site_id'>>;

/** Offers of devices or of whole sites between companies (issue 18), and the devices they name. */
export function transfersRepo(db: Executor, dialect: StoreDialect) {
  return {
    insert: (row: TransfersTable) => db.insertInto('transfers').values(row).execute(),
    insertItems: async (rows: TransferItemsTable[]) => {
      // Chunks keep every statement under SQLite's and PostgreSQL's parameter limits.
      for (let i = 0; i < rows.length; i += 200) {
        await db
          .insertInto('transfer_items')
          .values(rows.slice(i, i + 200))
          .execute();
      }
    },
    /** Holds the offer's row until the transaction ends, so two answers are taken in turn. */
    lock: (id: string) =>
      dialect.lockRows(db.selectFrom('transfers').select('id').where('id', '=', id)),
    findById: (id: string) => withNames(db).where('transfers.id', '=', id).executeTakeFirst(),
    /** One side's offers of a company, newest first; `offeredBy`: only that person's. */
    listFor: (side: 'from' | 'to', companyId: string, offeredBy: string | null) => {
      let query = withNames(db).where(
        side === 'from' ? 'transfers.from_company_id' : 'transfers.to_company_id',
        '=',
        companyId,
      );
      if (offeredBy !== null) query = query.where('transfers.offered_by', '=', offeredBy);
      return query
        .orderBy('transfers.created_at', 'desc')
        .orderBy('transfers.id', 'desc')
        .limit(TRANSFER_LIST_LIMIT)
        .execute();
    },
    /** The devices of each offer with their model and display name in the site they left. */
    itemsOf: async (ids: readonly string[]) => {
      if (ids.length === 0) return [];
      return db
        .selectFrom('transfer_items')
        .innerJoin('devices', 'devices.serial_number', 'transfer_items.serial_number')
        .leftJoin('device_settings', (join) =>
          join
            .onRef('device_settings.serial_number', '=', 'transfer_items.serial_number')
            .onRef('device_settings.site_id', '=', 'transfer_items.source_site_id'),
        )
        .select([
          'transfer_items.transfer_id',
          'transfer_items.serial_number',
          'transfer_items.source_site_id',
          'devices.model',
          'device_settings.name',
        ])
        .where('transfer_items.transfer_id', 'in', [...ids])
        .orderBy('transfer_items.serial_number')
        .execute();
    },
    /** Which of `serials` are in an offer still pending at `now` (DEVICE_BUSY). */
    busy: async (serials: readonly string[], now: string) => {
      if (serials.length === 0) return [];
      const rows = await db
        .selectFrom('transfer_items')
        .innerJoin('transfers', 'transfers.id', 'transfer_items.transfer_id')
        .select('transfer_items.serial_number')
        .where('transfer_items.serial_number', 'in', [...serials])
        .where('transfers.state', '=', 'pending')
        .where('transfers.expires_at', '>', now)
        .execute();
      return rows.map((row) => row.serial_number);
    },
    /** Whether the whole site is in an offer still pending at `now`. */
    siteBusy: async (siteId: string, now: string) =>
      (await db
        .selectFrom('transfers')
        .select('id')
        .where('site_id', '=', siteId)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst()) !== undefined,
    /** The devices a site holds, unlocked (what an offer of the whole site names). */
    siteDevices: async (siteId: string) =>
      (
        await db
          .selectFrom('ownerships')
          .select('serial_number')
          .where('site_id', '=', siteId)
          .orderBy('serial_number')
          .execute()
      ).map((row) => row.serial_number),
    /** The ids of the pending offers that name any of `serials`. */
    pendingWith: async (serials: readonly string[]) => {
      if (serials.length === 0) return [];
      const rows = await db
        .selectFrom('transfer_items')
        .innerJoin('transfers', 'transfers.id', 'transfer_items.transfer_id')
        .select('transfers.id')
        .distinct()
        .where('transfer_items.serial_number', 'in', [...serials])
        .where('transfers.state', '=', 'pending')
        .execute();
      return rows.map((row) => row.id);
    },
    /** Stores as expired the pending offers of `ids` past their expiry (read lazily). */
    expireDue: async (ids: readonly string[], now: string) => {
      if (ids.length === 0) return;
      await db
        .updateTable('transfers')
        .set({ state: 'expired' })
        .where('id', 'in', [...ids])
        .where('state', '=', 'pending')
        .where('expires_at', '<=', now)
        .execute();
    },
    /** Locks the rows of `serials` in the registry, in serial order (every answer takes them so). */
    lockDevices: async (serials: readonly string[]) => {
      if (serials.length === 0) return;
      await dialect.lockRows(
        db
          .selectFrom('devices')
          .select('serial_number')
          .where('serial_number', 'in', [...serials])
          .orderBy('serial_number'),
      );
    },
    /**
     * A whole site goes to another company under the same id, with its apartments, residents,
     * device settings and directory (they hang on the site id). The previous company's grants
     * on it end, and its door log is deleted: it is the previous owner's history, which the
     * next owner never sees (issue 18, decisions 18-transfers).
     */
    handOverSite: async (siteId: string, toCompanyId: string) => {
      await db
        .updateTable('sites')
        .set({ company_id: toCompanyId })
        .where('id', '=', siteId)
        .execute();
      await db.deleteFrom('site_memberships').where('site_id', '=', siteId).execute();
      await db.deleteFrom('access_events').where('site_id', '=', siteId).execute();
    },
    /** The admins of a company: who answers offers to it. */
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
    /**
     * Who hears of an offer on the offering side: the company's admins, the site-admins of the
     * sites it takes devices from, and the person who offered, while each is still a member.
     */
    offeringSide: async (companyId: string, siteIds: readonly string[], offeredBy: string) => {
      const rows = await db
        .selectFrom('memberships')
        .select('memberships.user_id')
        .where('memberships.company_id', '=', companyId)
        .where((eb) =>
          eb.or([
            eb('memberships.role', '=', 'admin'),
            eb('memberships.user_id', '=', offeredBy),
            eb.exists(
              eb
                .selectFrom('site_memberships')
                .select('site_memberships.user_id')
                .whereRef('site_memberships.user_id', '=', 'memberships.user_id')
                .where('site_memberships.company_id', '=', companyId)
                .where('site_memberships.role', '=', 'site-admin')
                .where('site_memberships.site_id', 'in', ['', ...siteIds]),
            ),
          ]),
        )
        .orderBy('memberships.user_id')
        .execute();
      return rows.map((row) => row.user_id);
    },
    /** Ends a pending offer; false when it was no longer pending. */
    end: async (id: string, end: TransferEnd) => {
      const result = await db
        .updateTable('transfers')
        .set(end)
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type TransfersRepo = ReturnType<typeof transfersRepo>;
