import type { StoreDialect } from '../dialect.ts';
import type { Executor } from '../schema.ts';

/** Failed-attempt counters for rate limits, kept in the database so every node sees them. */
export function attemptsRepo(db: Executor, dialect: StoreDialect) {
  return {
    /** Holds the scopes until the transaction ends, so a check and its record are atomic. */
    lock: (keys: { scope: string; key: string }[]) =>
      dialect.lockKeys(db, keys.map(({ scope, key }) => `attempts/${scope}/${key}`).sort()),
    /** Records one failure under each scope (batch insert with every column). */
    record: async (keys: { scope: string; key: string }[], now: string) => {
      if (keys.length === 0) return;
      await db
        .insertInto('attempt_failures')
        .values(keys.map(({ scope, key }) => ({ scope, scope_key: key, created_at: now })))
        .execute();
    },
    /**
     * The times of a scope's newest failures since `since`, newest first, at most `limit`: the
     * index (scope, scope_key, created_at) answers it in O(limit) however many failures exist.
     */
    recentFailures: async (scope: string, key: string, since: string, limit: number) =>
      (
        await db
          .selectFrom('attempt_failures')
          .select('created_at')
          .where('scope', '=', scope)
          .where('scope_key', '=', key)
          .where('created_at', '>', since)
          .orderBy('created_at', 'desc')
          .limit(limit)
          .execute()
      ).map((row) => row.created_at),
    prune: (before: string) =>
      db.deleteFrom('attempt_failures').where('created_at', '<=', before).execute(),
  };
}
