import type { Kysely } from 'kysely';
import type { Database, Executor } from '../schema.ts';

/**
 * Two-factor sign-in (issue 16): the sealed secrets, recovery code hashes and sign-in
 * challenges. Every one-time use is a single conditional statement, so two uses at the same
 * moment cannot both win. Built on the store's connection (not inside a transaction): the
 * writes that must go together open their own transaction.
 */
export function twoFactorRepo(db: Kysely<Database>) {
  const inTransaction = <T>(work: (trx: Executor) => Promise<T>) => db.transaction().execute(work);

  return {
    find: (userId: string) =>
      db.selectFrom('two_factor').selectAll().where('user_id', '=', userId).executeTakeFirst(),

    isEnabled: async (userId: string) =>
      (await db
        .selectFrom('two_factor')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('enabled_at', 'is not', null)
        .executeTakeFirst()) !== undefined,

    /**
     * Starts (or restarts) a setup with a new sealed secret; false when two-factor sign-in is
     * enabled already (the secret in use is never replaced here).
     */
    startSetup: (userId: string, pendingSecretEnc: string, now: string) =>
      inTransaction(async (trx) => {
        const row = await trx
          .selectFrom('two_factor')
          .select('enabled_at')
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (row?.enabled_at) return false;
        if (row) {
          await trx
            .updateTable('two_factor')
            .set({ pending_secret_enc: pendingSecretEnc, updated_at: now })
            .where('user_id', '=', userId)
            .where('enabled_at', 'is', null)
            .execute();
        } else {
          await trx
            .insertInto('two_factor')
            .values({
              user_id: userId,
              secret_enc: null,
              pending_secret_enc: pendingSecretEnc,
              enabled_at: null,
              last_used_step: null,
              updated_at: now,
            })
            .execute();
        }
        return true;
      }),

    /**
     * Turns the pending secret (exactly the one that was checked) into the secret in use, with
     * the step of the code that confirmed it and new recovery codes, in one transaction. False
     * when it was enabled meanwhile or the setup was restarted.
     */
    enable: (input: {
      userId: string;
      pendingSecretEnc: string;
      step: number;
      codeHashes: string[];
      now: string;
    }) =>
      inTransaction(async (trx) => {
        const result = await trx
          .updateTable('two_factor')
          .set({
            secret_enc: input.pendingSecretEnc,
            pending_secret_enc: null,
            enabled_at: input.now,
            last_used_step: input.step,
            updated_at: input.now,
          })
          .where('user_id', '=', input.userId)
          .where('enabled_at', 'is', null)
          .where('pending_secret_enc', '=', input.pendingSecretEnc)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.deleteFrom('recovery_codes').where('user_id', '=', input.userId).execute();
        await trx
          .insertInto('recovery_codes')
          .values(
            input.codeHashes.map((code_hash) => ({
              user_id: input.userId,
              code_hash,
              created_at: input.now,
              used_at: null,
            })),
          )
          .execute();
        return true;
      }),

    /**
     * Records that a code of `step` was accepted: true for the one caller whose step is newer
     * than every step accepted before (RFC 6238 §5.2: a code is not accepted twice).
     */
    claimStep: async (userId: string, step: number, now: string) => {
      const result = await db
        .updateTable('two_factor')
        .set({ last_used_step: step, updated_at: now })
        .where('user_id', '=', userId)
        .where('enabled_at', 'is not', null)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Uses one recovery code up: true for the one caller that marked it used. */
    useRecoveryCode: async (userId: string, codeHash: string, now: string) => {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    countUnusedRecoveryCodes: async (userId: string) => {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** New recovery codes instead of all the old ones. */
    replaceRecoveryCodes: (userId: string, codeHashes: string[], now: string) =>
      inTransaction(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx
          .insertInto('recovery_codes')
          .values(
            codeHashes.map((code_hash) => ({
              user_id: userId,
              code_hash,
              created_at: now,
              used_at: null,
            })),
          )
          .execute();
      }),

    /** Two-factor sign-in off: the secrets, the recovery codes and open challenges go. */
    disable: (userId: string) =>
      inTransaction(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx.deleteFrom('two_factor_challenges').where('user_id', '=', userId).execute();
        await trx.deleteFrom('two_factor').where('user_id', '=', userId).execute();
      }),

    insertChallenge: async (row: {
      token_hash: string;
      user_id: string;
      created_at: string;
      expires_at: string;
    }) => {
      await db
        .deleteFrom('two_factor_challenges')
        .where('expires_at', '<=', row.created_at)
        .execute();
      await db
        .insertInto('two_factor_challenges')
        .values({ ...row, attempts: 0 })
        .execute();
    },

    /** The challenge, when it exists and has not expired at `now`. */
    findChallenge: (tokenHash: string, now: string) =>
      db
        .selectFrom('two_factor_challenges')
        .select(['user_id', 'attempts'])
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .executeTakeFirst(),

    /**
     * Counts one attempt on a live challenge before its code is checked (so parallel guesses
     * cannot all pass a check none has counted yet) and returns whose it is; undefined when it
     * is unknown, expired or out of attempts.
     */
    spendChallengeAttempt: async (tokenHash: string, now: string, maxAttempts: number) => {
      const result = await db
        .updateTable('two_factor_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      return db
        .selectFrom('two_factor_challenges')
        .select(['user_id', 'attempts'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    },

    /** Ends a challenge: true for the one caller that deleted it. */
    deleteChallenge: async (tokenHash: string) => {
      const result = await db
        .deleteFrom('two_factor_challenges')
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}

export type TwoFactorRepo = ReturnType<typeof twoFactorRepo>;
