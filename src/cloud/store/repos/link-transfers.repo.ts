import type { Executor, LinkTransfersTable } from '../schema.ts';

/** Issue 19: single-use URLs of the device link's file transfers; only token hashes are kept. */
export function linkTransfersRepo(db: Executor) {
  return {
    insert: (row: LinkTransfersTable) => db.insertInto('link_transfers').values(row).execute(),
    /**
     * Uses the URL up: the row for the one caller that marked it used while it was valid, and
     * undefined for every other (a second fetch at the same moment finds it used).
     */
    take: async (tokenHash: string, now: string) => {
      const result = await db
        .updateTable('link_transfers')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      return db
        .selectFrom('link_transfers')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    },
    /** Used and expired URLs are of no use to anyone. */
    deleteExpired: (now: string) =>
      db.deleteFrom('link_transfers').where('expires_at', '<=', now).execute(),
  };
}
