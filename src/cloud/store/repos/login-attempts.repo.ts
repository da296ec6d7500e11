import type { StoreDialect } from '../dialect.ts';
import type { Executor, LoginAttemptsTable } from '../schema.ts';

/** Which attempts a count looks at: by address, by account, or by both (the pair). */
export interface AttemptFilter {
  kind: LoginAttemptsTable['kind'];
  address?: string;
  account?: string;
}

/** Failed sign-ins and registrations per client address, in the database so every node sees them. */
export function loginAttemptsRepo(db: Executor, dialect: StoreDialect) {
  return {
    /**
     * Holds the address and the account until the transaction ends, so that counting and
     * recording an attempt are one step for every node (PostgreSQL advisory locks; SQLite's
     * write transactions are serialised already). Keys are sorted: holders never wait on each other.
     */
    lock: (keys: { address: string; account?: string | undefined }) =>
      dialect.lockKeys(
        db,
        [
          `login/address/${keys.address}`,
          ...(keys.account === undefined ? [] : [`login/account/${keys.account}`]),
        ].sort(),
      ),

    record: (row: Omit<LoginAttemptsTable, 'id'>) =>
      db.insertInto('login_attempts').values(row).execute(),

    /**
     * The time of the `nth` newest attempt (1 = the newest) matching `filter` since `since`, or
     * null when there are fewer. A scope is full when its limit-th newest attempt is inside the
     * window, and frees up when that one leaves it.
     */
    async nthNewest(filter: AttemptFilter, since: string, nth: number): Promise<string | null> {
      let query = db
        .selectFrom('login_attempts')
        .select('created_at')
        .where('kind', '=', filter.kind)
        .where('created_at', '>', since);
      if (filter.address !== undefined) query = query.where('address', '=', filter.address);
      if (filter.account !== undefined) query = query.where('account', '=', filter.account);
      const row = await query
        .orderBy('created_at', 'desc')
        .limit(1)
        .offset(nth - 1)
        .executeTakeFirst();
      return row?.created_at ?? null;
    },

    /** A successful sign-in forgets the failures of its pair (account and address). */
    clearPair: (account: string, address: string) =>
      db
        .deleteFrom('login_attempts')
        .where('kind', '=', 'login')
        .where('account', '=', account)
        .where('address', '=', address)
        .execute(),

    /** Drops attempts no window looks at any more. */
    prune: (before: string) =>
      db.deleteFrom('login_attempts').where('created_at', '<=', before).execute(),
  };
}
