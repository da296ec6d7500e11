import type { StoreDialect } from '../dialect.ts';
import { prepared, preparedInsert } from '../prepared.query.ts';
import type { Executor } from '../schema.ts';

const insertFailures = preparedInsert('attempt_failures');

/**
 * For each of `count` scopes, the time of its `limit`-th newest failure since `since`, or null
 * when it has fewer: one statement for all scopes, as a claim checks two on its critical path.
 * The index (scope, scope_key, created_at) answers each in O(limit) however many there are.
 */
const limitingFailures = (count: number) =>
  prepared((db: Executor, since: string, offset: number, ...keys: string[]) =>
    db.selectNoFrom((eb) =>
      Array.from({ length: count }, (_, i) =>
        eb
          .selectFrom('attempt_failures')
          .select('created_at')
          .where('scope', '=', keys[2 * i]!)
          .where('scope_key', '=', keys[2 * i + 1]!)
          .where('created_at', '>', since)
          .orderBy('created_at', 'desc')
          .limit(1)
          .offset(offset)
          .as(`s${i}`),
      ),
    ),
  );
const limitingByCount = new Map<number, ReturnType<typeof limitingFailures>>();

/** The lock key of each scope, sorted: every holder takes them in this order. */
export const attemptLockKeys = (keys: readonly { scope: string; key: string }[]) =>
  keys.map(({ scope, key }) => `attempts/${scope}/${key}`).sort();

/** Failed-attempt counters for rate limits, kept in the database so every node sees them. */
export function attemptsRepo(db: Executor, dialect: StoreDialect) {
  return {
    /** Holds the scopes until the transaction ends, so a check and its record are atomic. */
    lock: (keys: { scope: string; key: string }[]) => dialect.lockKeys(db, attemptLockKeys(keys)),
    /** Records one failure under each scope (batch insert with every column). */
    record: (keys: { scope: string; key: string }[], now: string) =>
      insertFailures(
        db,
        keys.map(({ scope, key }) => ({ scope, scope_key: key, created_at: now })),
      ),
    /** For each scope, the time of its `limit`-th newest failure since `since`, or null. */
    limitingFailures: async (
      keys: { scope: string; key: string }[],
      since: string,
      limit: number,
    ): Promise<(string | null)[]> => {
      let query = limitingByCount.get(keys.length);
      if (!query) {
        query = limitingFailures(keys.length);
        limitingByCount.set(keys.length, query);
      }
      const flat = keys.flatMap(({ scope, key }) => [scope, key]);
      const row = (await query(db, since, limit - 1, ...flat)).rows[0] as Record<
        string,
        string | null
      >;
      return keys.map((_, i) => row[`s${i}`] ?? null);
    },
    prune: (before: string) =>
      db.deleteFrom('attempt_failures').where('created_at', '<=', before).execute(),
  };
}
