import type { Executor, InvitationsTable } from '../schema.ts';

/** Invitations to join a company (issue 16); only the SHA-256 of each token is stored. */
export function invitationsRepo(db: Executor) {
  /** Not accepted, not revoked, not expired at `now`. */
  const pending = (now: string) =>
    db
      .selectFrom('invitations')
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);

  return {
    insert: (row: InvitationsTable) => db.insertInto('invitations').values(row).execute(),

    /** The company's pending invitations with the inviter's e-mail, oldest first. */
    listPending: (companyId: string, now: string) =>
      pending(now)
        .leftJoin('users', 'users.id', 'invitations.invited_by')
        .selectAll('invitations')
        .select('users.email as invited_by_email')
        .where('invitations.company_id', '=', companyId)
        .orderBy('invitations.created_at')
        .orderBy('invitations.id')
        .execute(),

    countPending: async (companyId: string, now: string) =>
      Number(
        (
          await pending(now)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('company_id', '=', companyId)
            .executeTakeFirstOrThrow()
        ).n,
      ),

    /** One pending invitation of the company, or undefined. */
    findPending: (companyId: string, id: string, now: string) =>
      pending(now)
        .selectAll()
        .where('company_id', '=', companyId)
        .where('id', '=', id)
        .executeTakeFirst(),

    /** The pending invitation behind a token, with its company's name and the inviter's. */
    findByToken: (tokenHash: string, now: string) =>
      pending(now)
        .innerJoin('companies', 'companies.id', 'invitations.company_id')
        .leftJoin('users', 'users.id', 'invitations.invited_by')
        .selectAll('invitations')
        .select(['companies.name as company_name', 'users.name as invited_by_name'])
        .where('invitations.token_hash', '=', tokenHash)
        .executeTakeFirst(),

    /** Withdraws the pending invitations of `email` to the company (a new one replaces them). */
    revokePendingFor: async (companyId: string, email: string, now: string) => {
      const result = await pending(now)
        .where('company_id', '=', companyId)
        .where('email', '=', email)
        .select('id')
        .execute();
      if (result.length === 0) return 0;
      await db
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where(
          'id',
          'in',
          result.map((r) => r.id),
        )
        .execute();
      return result.length;
    },

    /** Withdraws one invitation: true when it was still pending. */
    revoke: async (companyId: string, id: string, now: string) => {
      const result = await db
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where('company_id', '=', companyId)
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** A new token and expiry for a pending invitation (resend): the old token stops working. */
    renew: async (id: string, tokenHash: string, expiresAt: string, now: string) => {
      const result = await db
        .updateTable('invitations')
        .set({ token_hash: tokenHash, expires_at: expiresAt })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Uses the invitation up: true for the one caller whose update changed the row (a second
     * accept at the same moment waits for the row, then finds it accepted and changes nothing).
     */
    consume: async (tokenHash: string, userId: string, now: string) => {
      const result = await db
        .updateTable('invitations')
        .set({ accepted_at: now, accepted_by: userId })
        .where('token_hash', '=', tokenHash)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** The names of those of `siteIds` that are sites of the company (deleted ones are absent). */
export async function siteNamesOf(db: Executor, companyId: string, siteIds: readonly string[]) {
  if (siteIds.length === 0) return new Map<string, string>();
  const rows = await db
    .selectFrom('sites')
    .select(['id', 'name'])
    .where('company_id', '=', companyId)
    .where('id', 'in', [...siteIds])
    .execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}
