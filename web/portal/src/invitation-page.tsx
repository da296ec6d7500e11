import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type InvitationOffer, type Me } from './api.ts';
import { rememberReturn } from './auth-pages.tsx';
import { formatDateTime } from './format.ts';
import { FieldMessage, FormError } from './form-error.tsx';
import { navigate } from './router.ts';

/**
 * The token of the invitation link this tab opened (`/invitations#<token>`). Like a reset link,
 * the token is in the fragment, which no server receives and no Referer carries. It is taken
 * out of the address bar at once and kept in sessionStorage (this tab only), so that it survives
 * the session check, a remount, and a detour through the sign-in page.
 */
const TOKEN_KEY = 'latchkey.invitation';

/**
 * Called once when the portal starts, before any navigation: a link's token is stored and the
 * fragment removed from the address bar and the history. Any other page keeps its hash.
 */
export function takeInvitationToken(): string | null {
  if (window.location.pathname !== '/invitations') return storedToken();
  const fromHash = window.location.hash.slice(1);
  if (fromHash) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      memoryToken = fromHash;
    }
    memoryToken = fromHash;
    window.history.replaceState(null, '', window.location.pathname);
  }
  return storedToken();
}

/** Kept too when sessionStorage is unavailable. */
let memoryToken: string | null = null;

function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

function forgetToken() {
  memoryToken = null;
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing stored.
  }
}

const ROLE_NAMES: Record<string, string> = { admin: 'administrator', member: 'member' };

/**
 * The page an invitation mail links to: what it offers (company, role), then "Join" for a
 * signed-in person, or a new account with the invited e-mail, or sign in and come back.
 */
export function InvitationPage(props: {
  me: Me | null;
  /** Joined (and, from the account form, signed in by the cookie): the app reads /api/me. */
  onJoined: (joined: { companyId: string; companyName: string }) => void;
}) {
  const { me, onJoined } = props;
  const [token] = useState(storedToken);
  const [offer, setOffer] = useState<InvitationOffer | null>(null);
  const [invalid, setInvalid] = useState<ApiError | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) return;
    api.invitation(token).then(setOffer, (caught: unknown) => {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.status === 410) setInvalid(caught);
      else setLoadError(caught);
    });
  }, [token]);

  useEffect(() => {
    if (offer) document.title = `Join ${offer.companyName} — Latchkey`;
  }, [offer]);

  async function accept(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const joined = await api.acceptInvitation(token, me ? undefined : { name, password });
      forgetToken();
      onJoined(joined);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.status === 410) setInvalid(caught);
      else setError(caught);
    } finally {
      setBusy(false);
    }
  }

  function signIn() {
    // Back here after signing in; the token waits in this tab's storage.
    rememberReturn('/invitations', false, offer?.email);
    navigate('/login');
  }

  const signInLink = (text: string) => (
    <a
      href="/login"
      onClick={(event) => {
        event.preventDefault();
        signIn();
      }}
    >
      {text}
    </a>
  );

  if (!token || invalid) {
    return (
      <main className="auth">
        <h1>This invitation is no longer valid</h1>
        <p>
          {token
            ? 'The link was already used, revoked, replaced by a newer invitation, or it expired (an invitation is valid for 7 days).'
            : 'This page needs the link from the invitation mail, as it was sent.'}
        </p>
        <p>
          Ask the administrator who invited you to send a new invitation: they can resend it from
          the Members page. If you already joined the company, just{' '}
          {me ? (
            <a
              href="/"
              onClick={(event) => {
                event.preventDefault();
                forgetToken();
                navigate('/');
              }}
            >
              open your sites
            </a>
          ) : (
            signInLink('sign in')
          )}
          .
        </p>
      </main>
    );
  }

  if (loadError) {
    return (
      <main className="auth">
        <h1>The invitation cannot be shown</h1>
        <FormError error={loadError} />
      </main>
    );
  }

  if (!offer) {
    return (
      <main className="auth">
        <p role="status">Loading the invitation…</p>
      </main>
    );
  }

  const role = ROLE_NAMES[offer.role] ?? offer.role;
  const passwordError =
    error?.code === 'PASSWORD_TOO_WEAK' ? error.body.message : error?.field('password');
  return (
    <main className="auth">
      <h1>Join {offer.companyName}</h1>
      <p>
        {offer.invitedBy ? `${offer.invitedBy} invited you` : 'You are invited'} to join{' '}
        <strong>{offer.companyName}</strong> on Latchkey as {role === 'administrator' ? 'an' : 'a'}{' '}
        <strong>{role}</strong>.
      </p>
      <p className="muted">
        Invitation for {offer.email}, valid until {formatDateTime(offer.expiresAt)}.
      </p>

      {me ? (
        <form onSubmit={accept} noValidate aria-label="Accept the invitation">
          <p>
            You are signed in as <strong>{me.user.email}</strong>
            {me.user.email.toLowerCase() !== offer.email.toLowerCase() &&
              '; the invitation was sent to another address, and this account is the one that joins'}
            .
          </p>
          <FormError error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Join {offer.companyName}
          </button>
        </form>
      ) : offer.accountExists ? (
        <>
          <p className="notice">
            {offer.email} already has a Latchkey account. Sign in, and you come back here to join.
          </p>
          <p>{signInLink('Sign in to join')}</p>
        </>
      ) : (
        <>
          <h2>Create your account</h2>
          <form onSubmit={accept} noValidate aria-label="Create your account">
            <div className="field">
              <label htmlFor="invite-email">E-mail</label>
              <input id="invite-email" type="email" value={offer.email} readOnly />
              <p className="field-help">The invitation is for this address.</p>
            </div>
            <div className="field">
              <label htmlFor="invite-name">Your name</label>
              <input
                id="invite-name"
                value={name}
                autoComplete="name"
                maxLength={100}
                required
                aria-invalid={error?.field('name') ? true : undefined}
                aria-describedby={error?.field('name') ? 'invite-name-error' : undefined}
                onChange={(event) => setName(event.target.value)}
              />
              <FieldMessage id="invite-name-error" message={error?.field('name')} />
            </div>
            <div className="field">
              <label htmlFor="invite-password">Password</label>
              <input
                id="invite-password"
                type="password"
                value={password}
                autoComplete="new-password"
                maxLength={256}
                required
                aria-invalid={passwordError ? true : undefined}
                aria-describedby={`invite-password-help${passwordError ? ' invite-password-error' : ''}`}
                onChange={(event) => setPassword(event.target.value)}
              />
              <p className="field-help" id="invite-password-help">
                At least 10 characters; a few words make a good password.
              </p>
              <FieldMessage id="invite-password-error" message={passwordError} />
            </div>
            <FormError
              error={
                error?.code === 'PASSWORD_TOO_WEAK' ||
                error?.field('name') ||
                error?.field('password')
                  ? null
                  : error
              }
            />
            <button type="submit" className="primary" disabled={busy}>
              Create account and join
            </button>
          </form>
          <p>{signInLink('I already have an account — sign in')}</p>
        </>
      )}
    </main>
  );
}
