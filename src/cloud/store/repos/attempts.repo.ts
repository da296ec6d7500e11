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
    /** How many failures a scope had since `since`, and when the oldest of them was. */
    async countSince(scope: string, key: string, since: string) {
      const row = await db
        .selectFrom('attempt_failures')
        .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
        .where('scope', '=', scope)
        .where('scope_key', '=', key)
        .where('created_at', '>', since)
        .executeTakeFirstOrThrow();
      return { count: Number(row.n), oldest: (row.oldest as string | null) ?? null };
    },
    prune: (before: string) =>
      db.deleteFrom('attempt_failures').where('created_at', '<=', before).execute(),
  };
}
