import type { Executor, UsersTable } from '../schema.ts';

/** People with an account. E-mail addresses are stored lower-cased. */
export function usersRepo(db: Executor) {
  return {
    insert: (user: UsersTable) => db.insertInto('users').values(user).execute(),
    findByEmail: (email: string) =>
      db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
    findById: (id: string) =>
      db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
  };
}
