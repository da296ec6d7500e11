import { useState, type FormEvent } from 'react';
import { api, errorMessage, type DirectoryUser } from './api.ts';
import { Notice, Page, usePolling } from './ui.tsx';

/** Directory → Users: who the intercom can call (the same directory as /api/dir/*). */
export function Directory() {
  const [users, setUsers] = useState<DirectoryUser[] | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [peer, setPeer] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const load = async () => {
    try {
      setUsers((await api<{ users: DirectoryUser[] }>('GET', 'directory')).users);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  usePolling(load, 5000);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    setMessage('');
    try {
      await api('POST', 'directory', { name, email, peer });
      setMessage(`${name} was added to the directory.`);
      setName('');
      setEmail('');
      setPeer('');
      await load();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const remove = async (user: DirectoryUser) => {
    setError('');
    setMessage('');
    try {
      await api('DELETE', `directory/${encodeURIComponent(user.uuid)}`);
      setMessage(`${user.name || user.uuid} was deleted from the directory.`);
      await load();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <Page title="Directory" intro="The users the intercom can call.">
      <Notice kind="ok">{message}</Notice>
      <Notice kind="error">{error}</Notice>
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
                <th scope="row">{user.name || '(no name)'}</th>
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
