import type { ApartmentsTable, Executor } from '../schema.ts';

/** A site's apartments (issue 17); every query is scoped by the site. */
export function apartmentsRepo(db: Executor) {
  return {
    insert: (row: ApartmentsTable) => db.insertInto('apartments').values(row).execute(),
    /** Batch insert (an import); every column passed, as SQLite needs in multi-row inserts. */
    insertMany: async (rows: ApartmentsTable[]) => {
      if (rows.length > 0) await db.insertInto('apartments').values(rows).execute();
    },
    /** Every apartment of the site with its number of residents (a site has a few thousand at most). */
    listBySite: (siteId: string) =>
      db
        .selectFrom('apartments')
        .select((eb) => [
          'apartments.id',
          'apartments.name',
          'apartments.floor',
          'apartments.created_at',
          eb
            .selectFrom('residents')
            .select((r) => r.fn.countAll<string | number>().as('n'))
            .whereRef('residents.apartment_id', '=', 'apartments.id')
            .as('resident_count'),
        ])
        .where('apartments.site_id', '=', siteId)
        .execute(),
    find: (siteId: string, id: string) =>
      db
        .selectFrom('apartments')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst(),
    findByName: (siteId: string, name: string) =>
      db
        .selectFrom('apartments')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('name', '=', name)
        .executeTakeFirst(),
    count: async (siteId: string) =>
      Number(
        (
          await db
            .selectFrom('apartments')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('site_id', '=', siteId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    update: (siteId: string, id: string, values: { name: string; floor: string | null }) =>
      db
        .updateTable('apartments')
        .set(values)
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .execute(),
    delete: (siteId: string, id: string) =>
      db.deleteFrom('apartments').where('site_id', '=', siteId).where('id', '=', id).execute(),
  };
}

export type ApartmentsRepo = ReturnType<typeof apartmentsRepo>;
