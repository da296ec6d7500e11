import { useState, type FormEvent } from 'react';
import { api, type DirectoryUser } from './api.ts';
import { MANAGED_ENTRY_NOTE, Page, useAction, usePolling } from './ui.tsx';

/** Directory → Users: who the intercom can call (the same directory as /api/dir/*). */
export function Directory() {
  const [users, setUsers] = useState<DirectoryUser[] | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [peer, setPeer] = useState('');
  const load = async () => {
    try {
      setUsers((await api<{ users: DirectoryUser[] }>('GET', 'directory')).users);
    } catch (caught) {
      fail(caught);
    }
  };
  const { run, fail, notices } = useAction(load);
  usePolling(load, 5000);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const added = await run(async () => {
      await api('POST', 'directory', { name, email, peer });
    }, `${name} was added to the directory.`);
    if (added) {
      setName('');
      setEmail('');
      setPeer('');
    }
  };

  const remove = (user: DirectoryUser) =>
    run(
      async () => {
        await api('DELETE', `directory/${encodeURIComponent(user.uuid)}`);
      },
      `${user.name || user.uuid} was deleted from the directory.`,
    );

  return (
    <Page title="Directory" intro="The users the intercom can call.">
      {notices}
      <div className="table-wrap">
        <table>
          <caption>Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Calls</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users && users.length === 0 ? (
              <tr>
                <td colSpan={4}>The directory is empty.</td>
              </tr>
            ) : null}
            {(users ?? []).map((user) => (
              <tr key={user.uuid}>
                <th scope="row">
                  {user.name || '(no name)'}
                  {user.owner === 'My2N' ? (
                    <span className="hint managed">{MANAGED_ENTRY_NOTE}</span>
                  ) : null}
                </th>
                <td>{user.email}</td>
                <td>{user.callPos.map((p) => p.peer).join(', ')}</td>
                <td>
                  <button type="button" onClick={() => remove(user)}>
                    Delete {user.name || 'user'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="card" onSubmit={add} aria-labelledby="add-user-title">
        <h2 id="add-user-title">Add a user</h2>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          E-mail
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Number to call (phone number or SIP address)
          <input value={peer} onChange={(e) => setPeer(e.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" className="primary">
            Add user
          </button>
        </div>
      </form>
    </Page>
  );
}
