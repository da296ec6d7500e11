import type { Executor, RemoteSessionsTable } from '../schema.ts';

/** Issue 19: remote-configuration sessions; only token hashes are kept. */
export function remoteSessionsRepo(db: Executor) {
  return {
    insert: (row: RemoteSessionsTable) => db.insertInto('remote_sessions').values(row).execute(),
    find: (tokenHash: string) =>
      db
        .selectFrom('remote_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst(),
    touch: (tokenHash: string, now: string) =>
      db
        .updateTable('remote_sessions')
        .set({ last_used_at: now })
        .where('token_hash', '=', tokenHash)
        .execute(),
    /** Ended sessions are kept a day, so a late request still hears "expired", then go. */
    deleteEndedBefore: (before: string) =>
      db.deleteFrom('remote_sessions').where('expires_at', '<=', before).execute(),
  };
}
