import { sql } from 'kysely';
import type {
  Executor,
  ResidentAccessTable,
  ResidentCredentialsTable,
  ResidentsTable,
} from '../schema.ts';

// Multi-row inserts in chunks: SQLite binds at most 32766 values per statement, PostgreSQL 65535.
const CHUNK = 400;

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/** Access rights on the devices the resident's site owns now. */
const currentAccess = (db: Executor) =>
  db
    .selectFrom('resident_access')
    .innerJoin('residents', 'residents.id', 'resident_access.resident_id')
    .innerJoin('ownerships', (join) =>
      join
        .onRef('ownerships.serial_number', '=', 'resident_access.serial_number')
        .onRef('ownerships.site_id', '=', 'residents.site_id'),
    )
    .selectAll('resident_access');

/** Residents, their sealed credentials' lookups and their access rights; scoped by the site. */
export function residentsRepo(db: Executor) {
  return {
    insertMany: (rows: ResidentsTable[]) =>
      insertChunked(rows, (chunk) => db.insertInto('residents').values(chunk).execute()),
    insertCredentials: (rows: ResidentCredentialsTable[]) =>
      insertChunked(rows, (chunk) => db.insertInto('resident_credentials').values(chunk).execute()),
    insertAccess: (rows: ResidentAccessTable[]) =>
      insertChunked(rows, (chunk) => db.insertInto('resident_access').values(chunk).execute()),
    /** A page of the site's residents by name then id, with their apartment's name. */
    list: (
      siteId: string,
      filter: { apartmentId?: string | undefined; q?: string | undefined },
      after: [string, string] | null,
      limit: number,
    ) => {
      let query = db
        .selectFrom('residents')
        .innerJoin('apartments', 'apartments.id', 'residents.apartment_id')
        .selectAll('residents')
        .select('apartments.name as apartment_name')
        .where('residents.site_id', '=', siteId);
      if (filter.apartmentId !== undefined) {
        query = query.where('residents.apartment_id', '=', filter.apartmentId);
      }
      if (filter.q !== undefined && filter.q !== '') {
        // Contains, without regard to case, in both dialects; LIKE's own wildcards escaped.
        const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(sql<boolean>`lower(residents.name) like ${pattern} escape '\\'`);
      }
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('residents.name', '>', after[0]),
            eb.and([eb('residents.name', '=', after[0]), eb('residents.id', '>', after[1])]),
          ]),
        );
      }
      return query
        .orderBy('residents.name')
        .orderBy('residents.id')
        .limit(limit + 1)
        .execute();
    },
    /** Every resident of the site with its apartment's name (an import matches against them). */
    listAll: (siteId: string) =>
      db
        .selectFrom('residents')
        .innerJoin('apartments', 'apartments.id', 'residents.apartment_id')
        .selectAll('residents')
        .select('apartments.name as apartment_name')
        .where('residents.site_id', '=', siteId)
        .execute(),
    find: (siteId: string, id: string) =>
      db
        .selectFrom('residents')
        .innerJoin('apartments', 'apartments.id', 'residents.apartment_id')
        .selectAll('residents')
        .select('apartments.name as apartment_name')
        .where('residents.site_id', '=', siteId)
        .where('residents.id', '=', id)
        .executeTakeFirst(),
    count: async (siteId: string) =>
      Number(
        (
          await db
            .selectFrom('residents')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('site_id', '=', siteId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    /**
     * The access rights of these residents on devices their site owns now: a right on a device
     * that left the site is not shown, and is dropped at the resident's next change.
     */
    accessOf: (residentIds: string[]) =>
      residentIds.length === 0
        ? Promise.resolve([])
        : currentAccess(db)
            .where('resident_access.resident_id', 'in', residentIds)
            .orderBy('resident_access.serial_number')
            .orderBy('resident_access.switch')
            .execute(),
    accessOfSite: (siteId: string) =>
      currentAccess(db)
        .where('residents.site_id', '=', siteId)
        .orderBy('resident_access.serial_number')
        .orderBy('resident_access.switch')
        .execute(),
    /** The owners of these credential lookups in the site. */
    credentialOwners: (siteId: string, lookups: string[]) =>
      lookups.length === 0
        ? Promise.resolve([])
        : db
            .selectFrom('resident_credentials')
            .selectAll()
            .where('site_id', '=', siteId)
            .where('lookup', 'in', lookups)
            .execute(),
    /** Every credential lookup of the site (an import checks the whole file against them). */
    credentialsOfSite: (siteId: string) =>
      db.selectFrom('resident_credentials').selectAll().where('site_id', '=', siteId).execute(),
    /** The serial numbers of the devices the site owns now. */
    siteDevices: async (siteId: string) =>
      new Set(
        (
          await db
            .selectFrom('ownerships')
            .select('serial_number')
            .where('site_id', '=', siteId)
            .execute()
        ).map((row) => row.serial_number),
      ),
    update: (
      siteId: string,
      id: string,
      values: Omit<ResidentsTable, 'id' | 'site_id' | 'created_at'>,
    ) =>
      db
        .updateTable('residents')
        .set(values)
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .execute(),
    /** Drops the residents' credential lookups and access rights (before rewriting them). */
    clearDetails: async (residentIds: string[]) => {
      for (let i = 0; i < residentIds.length; i += CHUNK) {
        const chunk = residentIds.slice(i, i + CHUNK);
        await db.deleteFrom('resident_credentials').where('resident_id', 'in', chunk).execute();
        await db.deleteFrom('resident_access').where('resident_id', 'in', chunk).execute();
      }
    },
    delete: (siteId: string, id: string) =>
      db.deleteFrom('residents').where('site_id', '=', siteId).where('id', '=', id).execute(),
  };
}

export type ResidentsRepo = ReturnType<typeof residentsRepo>;
