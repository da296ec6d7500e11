import type { Executor, UsersTable } from '../schema.ts';

/** People with an account. E-mail addresses are stored lower-cased. */
export function usersRepo(db: Executor) {
  return {
    insert: (user: UsersTable) => db.insertInto('users').values(user).execute(),
    findByEmail: (email: string) =>
      db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
    findById: (id: string) =>
      db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    findByIds: (ids: string[]) =>
      ids.length === 0
        ? Promise.resolve([])
        : db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', ids).execute(),
    rename: (id: string, name: string) =>
      db.updateTable('users').set({ name }).where('id', '=', id).execute(),
    setPasswordHash: (id: string, passwordHash: string) =>
      db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute(),
  };
}

export type UsersRepo = ReturnType<typeof usersRepo>;
