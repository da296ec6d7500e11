import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, request, type Page, type User } from './api.ts';
import { formatDateTime } from './format.ts';
import { FieldMessage, FormError } from './form-error.tsx';
import { useToasts } from './toasts.tsx';
import { TwoFactorSection } from './two-factor-section.tsx';
import { NotificationSettings } from './notification-settings.tsx';

interface Session {
  id: string;
  browser: string;
  address: string | null;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

interface ApiToken {
  id: string;
  name: string;
  scope: 'read' | 'manage';
  companyName: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  expired: boolean;
}

const accountApi = {
  rename: (name: string) => request<{ user: User }>('PATCH', '/api/me', { name }),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/api/me/password', { currentPassword, newPassword }),
  sessions: () => request<Page<Session>>('GET', '/api/sessions'),
  endSession: (id: string) => request<void>('DELETE', `/api/sessions/${encodeURIComponent(id)}`),
  tokens: () => request<Page<ApiToken>>('GET', '/api/tokens'),
  createToken: (input: { name: string; scope: 'read' | 'manage'; expiresAt?: string }) =>
    request<ApiToken & { token: string }>('POST', '/api/tokens', input),
  revokeToken: (id: string) => request<void>('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
};

/** The person's own account: name, password, sessions and API tokens (issue 16). */
export function AccountPage({ user, onRenamed }: { user: User; onRenamed: (user: User) => void }) {
  const { notify, notifyError } = useToasts();
  const [name, setName] = useState(user.name);
  const [nameError, setNameError] = useState<ApiError | null>(null);
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [passwordError, setPasswordError] = useState<ApiError | null>(null);
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [tokenName, setTokenName] = useState('');
  const [tokenScope, setTokenScope] = useState<'read' | 'manage'>('read');
  const [tokenExpiry, setTokenExpiry] = useState('');
  const [tokenError, setTokenError] = useState<ApiError | null>(null);
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);

  const fail = useCallback(
    (caught: unknown) => {
      if (!(caught instanceof ApiError)) throw caught;
      notifyError(caught);
    },
    [notifyError],
  );
  const loadSessions = useCallback(
    () => accountApi.sessions().then((page) => setSessions(page.items), fail),
    [fail],
  );
  const loadTokens = useCallback(
    () => accountApi.tokens().then((page) => setTokens(page.items), fail),
    [fail],
  );

  useEffect(() => {
    document.title = 'Account — Latchkey';
    void loadSessions();
    void loadTokens();
  }, [loadSessions, loadTokens]);

  async function rename(event: FormEvent) {
    event.preventDefault();
    setNameError(null);
    try {
      const answer = await accountApi.rename(name);
      onRenamed(answer.user);
      notify({ kind: 'success', title: 'Your name was saved.' });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setNameError(caught);
    }
  }

  async function changePassword(event: FormEvent) {
    event.preventDefault();
    setPasswordError(null);
    try {
      await accountApi.changePassword(currentPassword, newPassword);
      setCurrentPassword('');
      setNewPassword('');
      notify({
        kind: 'success',
        title: 'Your password was changed.',
        cause: 'Your other sessions were signed out; this one stays signed in.',
      });
      await loadSessions();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setPasswordError(caught);
    }
  }

  async function endSession(session: Session) {
    try {
      await accountApi.endSession(session.id);
      notify({ kind: 'success', title: `${session.browser} was signed out.` });
      await loadSessions();
    } catch (caught) {
      fail(caught);
    }
  }

  async function createToken(event: FormEvent) {
    event.preventDefault();
    setTokenError(null);
    setSecret(null);
    try {
      const created = await accountApi.createToken({
        name: tokenName,
        scope: tokenScope,
        // The end of the chosen day, in the person's time zone.
        ...(tokenExpiry ? { expiresAt: new Date(`${tokenExpiry}T23:59:59`).toISOString() } : {}),
      });
      setSecret({ name: created.name, token: created.token });
      setTokenName('');
      setTokenExpiry('');
      await loadTokens();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setTokenError(caught);
    }
  }

  async function revoke(token: ApiToken) {
    try {
      await accountApi.revokeToken(token.id);
      notify({ kind: 'success', title: `The token “${token.name}” was revoked.` });
      await loadTokens();
    } catch (caught) {
      fail(caught);
    }
  }

  return (
    <main>
      <h1>Account</h1>
      <p className="muted">{user.email}</p>

      <section aria-labelledby="profile-title" className="card">
        <h2 id="profile-title">Profile</h2>
        <form onSubmit={rename} noValidate aria-label="Profile">
          <div className="field">
            <label htmlFor="account-name">Your name</label>
            <input
              id="account-name"
              value={name}
              maxLength={100}
              required
              aria-invalid={nameError?.field('name') ? true : undefined}
              aria-describedby={nameError?.field('name') ? 'account-name-error' : undefined}
              onChange={(event) => setName(event.target.value)}
            />
            <FieldMessage id="account-name-error" message={nameError?.field('name')} />
          </div>
          {nameError && !nameError.field('name') && <FormError error={nameError} />}
          <button type="submit">Save name</button>
        </form>
      </section>

      <section aria-labelledby="password-title" className="card">
        <h2 id="password-title">Password</h2>
        <p>Changing it signs out your other sessions.</p>
        <form onSubmit={changePassword} noValidate aria-label="Change password">
          <div className="field">
            <label htmlFor="current-password">Current password</label>
            <input
              id="current-password"
              type="password"
              autoComplete="current-password"
              value={currentPassword}
              maxLength={256}
              onChange={(event) => setCurrentPassword(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              value={newPassword}
              maxLength={256}
              onChange={(event) => setNewPassword(event.target.value)}
            />
          </div>
          <FormError error={passwordError} />
          <button type="submit">Change password</button>
        </form>
      </section>

      <TwoFactorSection />
      <NotificationSettings />

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        {sessions === null ? (
          <p role="status">Loading sessions…</p>
        ) : (
          <table className="stack">
            <caption className="visually-hidden">Your sessions</caption>
            <thead>
              <tr>
                <th scope="col">Browser</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.id}>
                  <th scope="row" data-label="Browser">
                    {session.browser}
                    {session.current && <span className="muted"> (this session)</span>}
                  </th>
                  <td data-label="Address" className="nowrap">
                    {session.address ?? ''}
                  </td>
                  <td data-label="Signed in">{formatDateTime(session.createdAt)}</td>
                  <td data-label="Last used">{formatDateTime(session.lastUsedAt)}</td>
                  <td className="row-actions">
                    {!session.current && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => void endSession(session)}
                      >
                        Sign out
                        <span className="visually-hidden"> {session.browser}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">API tokens</h2>
        <p>
          For scripts and the CLI: send <code>Authorization: Bearer &lt;token&gt;</code>. A read
          token can only read; a manage token can do what you can, except manage tokens, sessions
          and your password.
        </p>
        {secret && (
          <div className="notice" role="status" aria-label="New token">
            <p>
              <strong>Your new token “{secret.name}”.</strong> Copy it now: it is not shown again.
            </p>
            <div className="field">
              <label htmlFor="new-token-secret">Token</label>
              <input
                id="new-token-secret"
                readOnly
                value={secret.token}
                spellCheck={false}
                onFocus={(event) => event.target.select()}
              />
            </div>
          </div>
        )}
        <form onSubmit={createToken} noValidate aria-label="Create a token" className="card">
          <div className="field">
            <label htmlFor="token-name">Token name</label>
            <input
              id="token-name"
              value={tokenName}
              maxLength={100}
              required
              aria-invalid={tokenError?.field('name') ? true : undefined}
              aria-describedby={tokenError?.field('name') ? 'token-name-error' : undefined}
              onChange={(event) => setTokenName(event.target.value)}
            />
            <FieldMessage id="token-name-error" message={tokenError?.field('name')} />
          </div>
          <div className="field">
            <label htmlFor="token-scope">Scope</label>
            <select
              id="token-scope"
              value={tokenScope}
              onChange={(event) => setTokenScope(event.target.value as 'read' | 'manage')}
            >
              <option value="read">Read only</option>
              <option value="manage">Manage</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="token-expiry">Expires on (optional)</label>
            <input
              id="token-expiry"
              type="date"
              value={tokenExpiry}
              onChange={(event) => setTokenExpiry(event.target.value)}
            />
          </div>
          {tokenError && !tokenError.field('name') && <FormError error={tokenError} />}
          <button type="submit">Create token</button>
        </form>
        {tokens === null ? (
          <p role="status">Loading tokens…</p>
        ) : tokens.length === 0 ? (
          <p>You have no API token.</p>
        ) : (
          <table className="stack">
            <caption className="visually-hidden">Your API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Company</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id}>
                  <th scope="row" data-label="Name">
                    {token.name}
                  </th>
                  <td data-label="Scope">{token.scope === 'read' ? 'Read only' : 'Manage'}</td>
                  <td data-label="Company">{token.companyName ?? ''}</td>
                  <td data-label="Created">{formatDateTime(token.createdAt)}</td>
                  <td data-label="Expires">
                    {token.expiresAt ? formatDateTime(token.expiresAt) : 'Never'}
                    {token.expired && <span className="muted"> (expired)</span>}
                  </td>
                  <td data-label="Last used">
                    {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'Never'}
                  </td>
                  <td className="row-actions">
                    <button type="button" className="danger" onClick={() => void revoke(token)}>
                      Revoke<span className="visually-hidden"> {token.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
