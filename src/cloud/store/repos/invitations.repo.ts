import type { Updateable, UpdateResult } from 'kysely';
import type { Executor, InvitationsTable } from '../schema.ts';

/** Whether a conditional update changed the one row it was aimed at. */
const changedOne = (result: UpdateResult) => Number(result.numUpdatedRows) === 1;

/** Invitations to join a company (issue 16); only the SHA-256 of each token is stored. */
export function invitationsRepo(db: Executor) {
  /** Not accepted, not revoked, not expired at `now`. */
  const pending = (now: string) =>
    db
      .selectFrom('invitations')
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);
  /** An update of the invitations still pending at `now`: a used link never changes again. */
  const updatePending = (changes: Updateable<InvitationsTable>, now: string) =>
    db
      .updateTable('invitations')
      .set(changes)
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
      const result = await updatePending({ revoked_at: now }, now)
        .where('company_id', '=', companyId)
        .where('email', '=', email)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Withdraws one invitation: true when it was still pending. */
    revoke: async (companyId: string, id: string, now: string) =>
      changedOne(
        await updatePending({ revoked_at: now }, now)
          .where('company_id', '=', companyId)
          .where('id', '=', id)
          .executeTakeFirst(),
      ),

    /** A new token and expiry for a pending invitation (resend): the old token stops working. */
    renew: async (id: string, tokenHash: string, expiresAt: string, now: string) =>
      changedOne(
        await updatePending({ token_hash: tokenHash, expires_at: expiresAt }, now)
          .where('id', '=', id)
          .executeTakeFirst(),
      ),

    /**
     * Uses the invitation up: true for the one caller whose update changed the row (a second
     * accept at the same moment waits for the row, then finds it accepted and changes nothing).
     */
    consume: async (tokenHash: string, userId: string, now: string) =>
      changedOne(
        await updatePending({ accepted_at: now, accepted_by: userId }, now)
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst(),
      ),
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
