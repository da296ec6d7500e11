import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage, type ApiAccountView, type DeviceConfigView } from './api.ts';
import { Notice, Page, useAction } from './ui.tsx';

const MAX_ACCOUNTS = 5;

/** Services → HTTP API → Accounts: the accounts of the vendor HTTP API (up to five). */
export function ApiAccounts() {
  const [accounts, setAccounts] = useState<ApiAccountView[] | null>(null);
  const [privileges, setPrivileges] = useState<string[]>([]);
  const [editing, setEditing] = useState<ApiAccountView | 'new' | null>(null);
  const load = async () => {
    try {
      const config = await api<DeviceConfigView>('GET', 'config');
      setAccounts(config.httpApi.accounts);
      setPrivileges(config.httpApi.privileges);
    } catch (caught) {
      fail(caught);
    }
  };
  const { run, fail, notices } = useAction(load);
  useEffect(() => {
    void load();
  }, []);

  const remove = (account: ApiAccountView) =>
    run(async () => {
      await api('DELETE', `http-api/accounts/${account.id}`);
    }, `Account ${account.username} was deleted.`);

  return (
    <Page title="HTTP API" intro="Accounts that integrations use to call the device's HTTP API.">
      {notices}
      <div className="table-wrap">
        <table>
          <caption>Accounts</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Enabled</th>
              <th scope="col">Privileges</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts && accounts.length === 0 ? (
              <tr>
                <td colSpan={4}>No HTTP API accounts.</td>
              </tr>
            ) : null}
            {(accounts ?? []).map((account) => (
              <tr key={account.id}>
                <th scope="row">{account.username}</th>
                <td>{account.enabled ? 'Yes' : 'No'}</td>
                <td>{account.privileges.join(', ') || 'none'}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => setEditing(account)}>
                    Edit {account.username}
                  </button>
                  <button type="button" onClick={() => remove(account)}>
                    Delete {account.username}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing === null ? (
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={(accounts?.length ?? 0) >= MAX_ACCOUNTS}
            onClick={() => setEditing('new')}
          >
            Add account
          </button>
        </div>
      ) : (
        <AccountForm
          key={editing === 'new' ? 'new' : editing.id}
          account={editing === 'new' ? null : editing}
          privileges={privileges}
          onDone={async (saved) => {
            setEditing(null);
            // The form saved it already: only the report and the reload are left.
            if (saved) await run(async () => {}, `Account ${saved} was saved.`);
          }}
        />
      )}
    </Page>
  );
}

function AccountForm(props: {
  account: ApiAccountView | null;
  privileges: string[];
  onDone: (saved: string | null) => void;
}) {
  const [username, setUsername] = useState(props.account?.username ?? '');
  const [password, setPassword] = useState('');
  const [enabled, setEnabled] = useState(props.account?.enabled ?? true);
  const [chosen, setChosen] = useState<string[]>(props.account?.privileges ?? []);
  const [error, setError] = useState('');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    const id = props.account?.id;
    try {
      const body = {
        username,
        enabled,
        privileges: chosen,
        ...(password ? { password } : {}),
      };
      if (id !== undefined) await api('PUT', `http-api/accounts/${id}`, body);
      else {
        // A new account goes into the first free slot; with all five used, the device refuses.
        await api('PUT', `http-api/accounts/${await firstFreeSlot()}`, body);
      }
      props.onDone(username);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="account-form-title">
      <h2 id="account-form-title">
        {props.account ? `Edit account ${props.account.username}` : 'New account'}
      </h2>
      <label>
        User name
        <input value={username} onChange={(e) => setUsername(e.target.value)} required />
      </label>
      <label>
        {props.account ? 'New password (leave empty to keep it)' : 'Password'}
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required={!props.account}
        />
      </label>
      <label className="choice">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enabled
      </label>
      <fieldset>
        <legend>Privileges</legend>
        <div className="privileges">
          {props.privileges.map((privilege) => (
            <label key={privilege} className="choice">
              <input
                type="checkbox"
                checked={chosen.includes(privilege)}
                onChange={(e) =>
                  setChosen(
                    e.target.checked
                      ? [...chosen, privilege]
                      : chosen.filter((p) => p !== privilege),
                  )
                }
              />
              {privilege}
            </label>
          ))}
        </div>
      </fieldset>
      <Notice kind="error">{error}</Notice>
      <div className="actions">
        <button type="submit" className="primary">
          Save account
        </button>
        <button type="button" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

async function firstFreeSlot(): Promise<number> {
  const config = await api<DeviceConfigView>('GET', 'config');
  const used = new Set(config.httpApi.accounts.map((a) => a.id));
  for (let id = 1; id <= MAX_ACCOUNTS; id += 1) if (!used.has(id)) return id;
  return MAX_ACCOUNTS + 1;
}
