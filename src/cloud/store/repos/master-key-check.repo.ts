import type { Executor } from '../schema.ts';

const ROW = 1;

/** The master key's check value (secrets/key-check.ts) and a sealed secret to try it on. */
export function masterKeyCheckRepo(db: Executor) {
  return {
    async get(): Promise<string | undefined> {
      const row = await db
        .selectFrom('master_key_check')
        .select('check_value')
        .where('id', '=', ROW)
        .executeTakeFirst();
      return row?.check_value;
    },
    /** Records the value unless a node already did: the first writer wins, the rest compare. */
    async record(checkValue: string, now: string): Promise<void> {
      await db
        .insertInto('master_key_check')
        .values({ id: ROW, check_value: checkValue, created_at: now })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
    },
    /** One device's sealed secret: a database from before the check value still proves its key. */
    anySealedSecret: () =>
      db
        .selectFrom('devices')
        .select(['serial_number', 'secret_enc'])
        .orderBy('serial_number')
        .limit(1)
        .executeTakeFirst(),
  };
}
