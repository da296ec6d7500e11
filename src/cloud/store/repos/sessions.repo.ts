import type { ApiTokensTable, Executor, SessionsTable } from '../schema.ts';

/** Portal sessions and API tokens; only hashes of the tokens are stored. */
export function credentialsRepo(db: Executor) {
  return {
    insertSession: (session: SessionsTable) => db.insertInto('sessions').values(session).execute(),
    findSession: (tokenHash: string) =>
      db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    deleteSession: (tokenHash: string) =>
      db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute(),
    deleteSessionsOf: (userId: string) =>
      db.deleteFrom('sessions').where('user_id', '=', userId).execute(),
    deleteExpiredSessions: (now: string) =>
      db.deleteFrom('sessions').where('expires_at', '<=', now).execute(),
    /** The person's sessions that have not expired, newest first. */
    listSessions: (userId: string, now: string) =>
      db
        .selectFrom('sessions')
        .select(['id', 'token_hash', 'created_at', 'expires_at', 'user_agent', 'address'])
        .select('last_used_at')
        .where('user_id', '=', userId)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute(),
    /** Ends one of the person's sessions; 0 when the id is not one of theirs. */
    deleteSessionOf: async (userId: string, id: string) =>
      Number(
        (
          await db
            .deleteFrom('sessions')
            .where('user_id', '=', userId)
            .where('id', '=', id)
            .executeTakeFirst()
        ).numDeletedRows,
      ),
    /** Ends every session of the person but the one whose hash is `keepHash`. */
    deleteOtherSessions: (userId: string, keepHash: string) =>
      db
        .deleteFrom('sessions')
        .where('user_id', '=', userId)
        .where('token_hash', '!=', keepHash)
        .execute(),
    touchSession: (tokenHash: string, now: string) =>
      db
        .updateTable('sessions')
        .set({ last_used_at: now })
        .where('token_hash', '=', tokenHash)
        .execute(),
    insertToken: (token: ApiTokensTable) => db.insertInto('api_tokens').values(token).execute(),
    /**
     * A token with its person, and whether they are still a member of the token's company
     * (`member_of` = the company id, or null): one indexed query per API request.
     */
    findTokenWithUser: (tokenHash: string) =>
      db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .leftJoin('memberships', (join) =>
          join
            .onRef('memberships.user_id', '=', 'api_tokens.user_id')
            .onRef('memberships.company_id', '=', 'api_tokens.company_id'),
        )
        .select([
          'api_tokens.id',
          'api_tokens.scope',
          'api_tokens.company_id',
          'api_tokens.expires_at',
          'api_tokens.last_used_at',
          'users.id as user_id',
          'users.email',
          'users.name',
          'users.created_at as user_created_at',
          'memberships.company_id as member_of',
        ])
        .where('api_tokens.token_hash', '=', tokenHash)
        .executeTakeFirst(),
    /** The person's tokens with their company's name, newest first; never the hash. */
    listTokens: (userId: string) =>
      db
        .selectFrom('api_tokens')
        .leftJoin('companies', 'companies.id', 'api_tokens.company_id')
        .select([
          'api_tokens.id',
          'api_tokens.name',
          'api_tokens.scope',
          'api_tokens.company_id',
          'companies.name as company_name',
          'api_tokens.created_at',
          'api_tokens.expires_at',
          'api_tokens.last_used_at',
        ])
        .where('api_tokens.user_id', '=', userId)
        .orderBy('api_tokens.created_at', 'desc')
        .orderBy('api_tokens.id')
        .execute(),
    countTokens: async (userId: string) =>
      Number(
        (
          await db
            .selectFrom('api_tokens')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', userId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    /** Revokes one of the person's tokens; 0 when the id is not one of theirs. */
    deleteTokenOf: async (userId: string, id: string) =>
      Number(
        (
          await db
            .deleteFrom('api_tokens')
            .where('user_id', '=', userId)
            .where('id', '=', id)
            .executeTakeFirst()
        ).numDeletedRows,
      ),
    touchToken: (id: string, now: string) =>
      db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute(),
  };
}

export type CredentialsRepo = ReturnType<typeof credentialsRepo>;
