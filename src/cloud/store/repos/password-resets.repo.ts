import type { Executor, PasswordResetsTable } from '../schema.ts';

/** Password reset links; only the hash of each token is stored. */
export function passwordResetsRepo(db: Executor) {
  return {
    insert: (row: PasswordResetsTable) => db.insertInto('password_resets').values(row).execute(),
    /** The link, when it exists and has not expired at `now`. */
    findValid: (tokenHash: string, now: string) =>
      db
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .executeTakeFirst(),
    /**
     * Uses the link up: true for the one caller that deleted it (a second use at the same
     * moment waits for the row and then deletes nothing).
     */
    consume: async (tokenHash: string, now: string) => {
      const result = await db
        .deleteFrom('password_resets')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    /** Every other link of the person (a reset ends them all), and expired ones of anyone. */
    deleteOf: (userId: string) =>
      db.deleteFrom('password_resets').where('user_id', '=', userId).execute(),
    deleteExpired: (now: string) =>
      db.deleteFrom('password_resets').where('expires_at', '<=', now).execute(),
  };
}
