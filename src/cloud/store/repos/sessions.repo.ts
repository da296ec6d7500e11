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
    insertToken: (token: ApiTokensTable) => db.insertInto('api_tokens').values(token).execute(),
    findToken: (tokenHash: string) =>
      db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst(),
    touchToken: (id: string, now: string) =>
      db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute(),
  };
}
