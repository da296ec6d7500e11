import { useState, type FormEvent } from 'react';
import { api, ApiError, request, type Me, type User } from './api.ts';
import { FieldMessage, FormError } from './form-error.tsx';
import { navigate } from './router.ts';

const RETURN_KEY = 'latchkey.returnTo';
const EXPIRED_KEY = 'latchkey.expired';
const EMAIL_KEY = 'latchkey.email';
const RESET_DONE_KEY = 'latchkey.passwordReset';

/** Remembers where the person was when the session ended, to come back after signing in. */
export function rememberReturn(path: string, expired: boolean, email?: string) {
  window.sessionStorage.setItem(RETURN_KEY, path);
  if (email) window.sessionStorage.setItem(EMAIL_KEY, email);
  if (expired) window.sessionStorage.setItem(EXPIRED_KEY, '1');
}

function returnPath(): string {
  const path = window.sessionStorage.getItem(RETURN_KEY);
  window.sessionStorage.removeItem(RETURN_KEY);
  window.sessionStorage.removeItem(EXPIRED_KEY);
  window.sessionStorage.removeItem(EMAIL_KEY);
  return path && path.startsWith('/') && !path.startsWith('//') ? path : '/';
}

function Field(props: {
  label: string;
  name: string;
  type?: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete: string;
  error?: string | undefined;
  help?: string;
  required?: boolean;
  inputMode?: 'numeric' | 'text';
}) {
  const id = `field-${props.name}`;
  const describedBy = [props.help ? `${id}-help` : '', props.error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        inputMode={props.inputMode}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.help && (
        <p className="field-help" id={`${id}-help`}>
          {props.help}
        </p>
      )}
      <FieldMessage id={`${id}-error`} message={props.error} />
    </div>
  );
}

/** The first step's answer: signed in, or (two-factor sign-in on) a challenge for the code. */
type LoginAnswer =
  | { user: User; csrfToken: string; twoFactorRequired?: undefined }
  | { twoFactorRequired: true; challenge: string };

export function LoginPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  // After a session expiry the e-mail is filled in already.
  const [email, setEmail] = useState(() => window.sessionStorage.getItem(EMAIL_KEY) ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // The second step (two-factor sign-in): the challenge of the first; never stored anywhere.
  const [challenge, setChallenge] = useState<string | null>(null);
  const expired = window.sessionStorage.getItem(EXPIRED_KEY) === '1';
  const [resetDone] = useState(() => {
    const done = window.sessionStorage.getItem(RESET_DONE_KEY) === '1';
    window.sessionStorage.removeItem(RESET_DONE_KEY);
    return done;
  });

  async function signedIn() {
    const me = await api.me();
    onSignedIn(me);
    navigate(returnPath(), { replace: true });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await request<LoginAnswer>('POST', '/api/auth/login', { email, password });
      if (answer.twoFactorRequired) {
        setPassword('');
        setChallenge(answer.challenge);
        return;
      }
      await signedIn();
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    } finally {
      setBusy(false);
    }
  }

  if (challenge !== null) {
    return (
      <SecondStep
        challenge={challenge}
        onSignedIn={signedIn}
        onRestart={(reason) => {
          setChallenge(null);
          setError(reason);
        }}
      />
    );
  }

  return (
    <main className="auth">
      <h1>Sign in to Latchkey</h1>
      {expired && (
        <p className="notice" role="status">
          Your session has expired. Sign in again to continue where you were; what you typed is
          kept.
        </p>
      )}
      {resetDone && (
        <p className="notice" role="status">
          Your password was changed and you were signed out everywhere. Sign in with the new
          password.
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <Field
          label="E-mail"
          name="email"
          type="email"
          value={email}
          onChange={setEmail}
          autoComplete="username"
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
        />
        <FormError error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <p>
        <PageLink to="/forgot-password">Forgot password?</PageLink>
      </p>
      <p>
        No account yet?{' '}
        <a
          href="/register"
          onClick={(event) => {
            event.preventDefault();
            navigate('/register');
          }}
        >
          Create an account
        </a>
      </p>
    </main>
  );
}

/**
 * The second step of a sign-in with two-factor sign-in on: a code from the authenticator app,
 * or a recovery code. A dead challenge (5 minutes, 5 codes) goes back to the first step.
 */
function SecondStep(props: {
  challenge: string;
  onSignedIn: () => Promise<void>;
  onRestart: (reason: ApiError | null) => void;
}) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request('POST', '/api/auth/login/two-factor', { challenge: props.challenge, code });
      await props.onSignedIn();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code === 'TWO_FACTOR_CHALLENGE_INVALID') props.onRestart(caught);
      else setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <h1>Sign in to Latchkey</h1>
      <form onSubmit={submit} noValidate aria-label="Two-factor sign-in">
        <p>
          {recovery
            ? 'Enter one of your recovery codes. Each works once.'
            : 'Enter the 6-digit code from your authenticator app.'}
        </p>
        <Field
          label={recovery ? 'Recovery code' : 'Code'}
          name="code"
          value={code}
          onChange={setCode}
          autoComplete="one-time-code"
          inputMode={recovery ? 'text' : 'numeric'}
        />
        <FormError error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Continue
        </button>
      </form>
      <p>
        <button
          type="button"
          className="link"
          onClick={() => {
            setRecovery(!recovery);
            setCode('');
            setError(null);
          }}
        >
          {recovery ? 'Use the code from the app' : 'Use a recovery code'}
        </button>
      </p>
      <p>
        <button type="button" className="link" onClick={() => props.onRestart(null)}>
          Back to sign in
        </button>
      </p>
    </main>
  );
}

export function RegisterPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [companyName, setCompanyName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.register({
        name,
        email,
        password,
        ...(companyName.trim() ? { companyName } : {}),
      });
      const me = await api.me();
      onSignedIn(me);
      navigate(returnPath(), { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    } finally {
      setBusy(false);
    }
  }

  const passwordError =
    error?.code === 'PASSWORD_TOO_WEAK' ? error.body.message : error?.field('password');
  return (
    <main className="auth">
      <h1>Create your Latchkey account</h1>
      <p>Your account comes with a company of its own; you are its administrator.</p>
      <form onSubmit={submit} noValidate>
        <Field
          label="Your name"
          name="name"
          value={name}
          onChange={setName}
          autoComplete="name"
          error={error?.field('name')}
        />
        <Field
          label="E-mail"
          name="email"
          type="email"
          value={email}
          onChange={setEmail}
          autoComplete="email"
          error={error?.code === 'EMAIL_TAKEN' ? error.body.message : error?.field('email')}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          help="At least 10 characters; a few words make a good password."
          error={passwordError}
        />
        <Field
          label="Company name (optional)"
          name="companyName"
          value={companyName}
          onChange={setCompanyName}
          autoComplete="organization"
          required={false}
          error={error?.field('companyName')}
        />
        <FormError error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Create account
        </button>
      </form>
      <p>
        Already have an account?{' '}
        <a
          href="/login"
          onClick={(event) => {
            event.preventDefault();
            navigate('/login');
          }}
        >
          Sign in
        </a>
      </p>
    </main>
  );
}

/** A link to another portal page, without reloading. */
function PageLink({ to, children }: { to: string; children: string }) {
  return (
    <a
      href={to}
      onClick={(event) => {
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** "Forgot password?": asks for a reset link. The answer is the same for any address. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState(() => window.sessionStorage.getItem(EMAIL_KEY) ?? '');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.requestPasswordReset(email);
      setSent(true);
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <h1>Reset your password</h1>
      {sent ? (
        <p className="notice" role="status">
          If {email} has a Latchkey account, a mail with a link to choose a new password is on its
          way. The link works once, for one hour.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>Enter the e-mail address of your account; we will mail you a link.</p>
          <Field
            label="E-mail"
            name="email"
            type="email"
            value={email}
            onChange={setEmail}
            autoComplete="username"
            error={error?.field('email')}
          />
          <FormError error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Send the link
          </button>
        </form>
      )}
      <p>
        <PageLink to="/login">Back to sign in</PageLink>
      </p>
    </main>
  );
}

/**
 * The page a reset mail links to: /reset-password#TOKEN. The token is taken from the fragment
 * (which no server receives) and removed from the address bar and the history at once.
 */
/** The reset link's token, once taken out of the address bar (kept for a remounted page). */
let resetTokenFromLink = '';

/** Takes the token from the link's fragment and removes it from the address bar. */
function takeResetToken(): string {
  const fromHash = window.location.hash.slice(1);
  if (fromHash) {
    resetTokenFromLink = fromHash;
    window.history.replaceState(null, '', window.location.pathname);
  }
  return resetTokenFromLink;
}

export function ResetPasswordPage({ onPasswordReset }: { onPasswordReset: () => void }) {
  // Read once per link: a page mounted again after the fragment was removed still has it.
  const [token] = useState(takeResetToken);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.resetPassword(token, password);
      window.sessionStorage.setItem(RESET_DONE_KEY, '1');
      onPasswordReset();
      navigate('/login', { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    } finally {
      setBusy(false);
    }
  }

  const passwordError =
    error?.code === 'PASSWORD_TOO_WEAK' ? error.body.message : error?.field('password');
  return (
    <main className="auth">
      <h1>Choose a new password</h1>
      {!token ? (
        <p className="notice" role="status">
          This page needs the link from the password reset mail. Ask for a new one with &quot;Forgot
          password?&quot;.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field
            label="New password"
            name="password"
            type="password"
            value={password}
            onChange={setPassword}
            autoComplete="new-password"
            help="At least 10 characters; a few words make a good password."
            error={passwordError}
          />
          <FormError error={error?.code === 'PASSWORD_TOO_WEAK' ? null : error} />
          <button type="submit" className="primary" disabled={busy}>
            Set the new password
          </button>
        </form>
      )}
      {error?.code === 'RESET_TOKEN_INVALID' || !token ? (
        <p>
          <PageLink to="/forgot-password">Ask for a new link</PageLink>
        </p>
      ) : null}
    </main>
  );
}
