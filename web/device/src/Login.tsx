import { useState, type FormEvent } from 'react';
import { api, errorMessage, setCsrfToken, type Session } from './api.ts';
import { Notice } from './ui.tsx';

/** Log in with the administrator account (a new or reset device: admin / 2n). */
export function Login(props: {
  message: string;
  onLoggedIn: (session: Session, password: string) => void;
}) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const session = await api<Session>('POST', 'login', { username, password });
      setCsrfToken(session.csrfToken);
      props.onLoggedIn(session, password);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth">
      <form className="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to the intercom</h1>
        <Notice kind="ok">{props.message}</Notice>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <Notice kind="error">{error}</Notice>
        <button type="submit" className="primary" disabled={busy}>
          Log in
        </button>
        <p className="hint">
          A new or reset intercom uses <strong>admin</strong> / <strong>2n</strong>. The{' '}
          <a href="/classic/">classic web interface</a> is still available.
        </p>
      </form>
    </main>
  );
}

/**
 * The forced change while the password is still the factory "2n": nothing else works until a
 * new password is chosen (the device's rule, checked by the device; only "must match" is here).
 */
export function ChoosePassword(props: {
  loginPassword: string | null;
  onChanged: () => void;
  onLogout: () => void;
}) {
  const [current, setCurrent] = useState(props.loginPassword ?? '');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (next !== repeat) {
      setError('The two new passwords differ; type the same password twice.');
      return;
    }
    setBusy(true);
    try {
      await api('POST', 'password', { currentPassword: current, newPassword: next });
      props.onChanged();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth">
      <form className="card" onSubmit={submit} aria-labelledby="password-title">
        <h1 id="password-title">Choose a new password</h1>
        <p>
          The intercom still has the factory password <strong>2n</strong>. Choose a new
          administrator password (at least 8 characters) before doing anything else.
        </p>
        {props.loginPassword === null ? (
          <label>
            Current password
            <input
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
              required
            />
          </label>
        ) : null}
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
          />
        </label>
        <label>
          Confirm new password
          <input
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            required
          />
        </label>
        <Notice kind="error">{error}</Notice>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save password
          </button>
          <button type="button" onClick={props.onLogout}>
            Log out
          </button>
        </div>
      </form>
    </main>
  );
}
