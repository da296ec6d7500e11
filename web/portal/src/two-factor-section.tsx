import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, request } from './api.ts';
import { FieldMessage, FormError } from './form-error.tsx';
import { useToasts } from './toasts.tsx';

interface TwoFactorStatus {
  enabled: boolean;
  recoveryCodesLeft: number;
}

interface Setup {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

const twoFactorApi = {
  status: () => request<TwoFactorStatus>('GET', '/api/me/two-factor'),
  setup: () => request<Setup>('POST', '/api/me/two-factor/setup'),
  enable: (code: string) =>
    request<{ recoveryCodes: string[] }>('POST', '/api/me/two-factor/enable', { code }),
  disable: (password: string, code: string) =>
    request<void>('POST', '/api/me/two-factor/disable', { password, code }),
  newRecoveryCodes: (code: string) =>
    request<{ recoveryCodes: string[] }>('POST', '/api/me/two-factor/recovery-codes', { code }),
};

/** The secret in groups of four, as apps ask to type it; the groups wrap, never inside one. */
function SecretText({ secret }: { secret: string }) {
  const groups = secret.match(/.{1,4}/g) ?? [];
  return (
    <p id="two-factor-secret">
      {groups.map((group, i) => (
        <span key={i}>
          <span className="code">{group}</span>
          {i < groups.length - 1 ? ' ' : ''}
        </span>
      ))}
    </p>
  );
}

/** The recovery codes, shown once after they are made. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="notice" role="status" aria-label="Recovery codes">
      <p>
        <strong>Your recovery codes.</strong> Keep them somewhere safe, away from your phone: each
        one signs you in once if you lose the app. They are not shown again.
      </p>
      <ul aria-label="Your recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <span className="code">{code}</span>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

/** A code field: six digits from the app, or a recovery code. */
function CodeField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  help?: string;
}) {
  const describedBy = [props.help ? `${props.id}-help` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        autoComplete="one-time-code"
        spellCheck={false}
        maxLength={32}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.help && (
        <p className="field-help" id={`${props.id}-help`}>
          {props.help}
        </p>
      )}
      <FieldMessage id={`${props.id}-error`} message={props.error} />
    </div>
  );
}

/**
 * "Two-factor sign-in" on the Account page (issue 16): set up with a QR code (or the key as
 * text), confirm with a code, see the recovery codes once; turn off; new recovery codes.
 */
export function TwoFactorSection() {
  const { notify, notifyError } = useToasts();
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      twoFactorApi.status().then(setStatus, (caught: unknown) => {
        if (!(caught instanceof ApiError)) throw caught;
        notifyError(caught);
      }),
    [notifyError],
  );
  useEffect(() => {
    void load();
  }, [load]);

  /** Runs one action; its error is shown in the form, the fields stay. */
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const startSetup = () =>
    run(async () => {
      setCodes(null);
      setCode('');
      setSetup(await twoFactorApi.setup());
    });

  const enable = (event: FormEvent) => {
    event.preventDefault();
    return run(async () => {
      const answer = await twoFactorApi.enable(code);
      setSetup(null);
      setCode('');
      // The recovery codes' notice and the "On." status say it; no toast to linger.
      setCodes(answer.recoveryCodes);
      await load();
    });
  };

  const disable = (event: FormEvent) => {
    event.preventDefault();
    return run(async () => {
      await twoFactorApi.disable(password, code);
      setPassword('');
      setCode('');
      setCodes(null);
      notify({ kind: 'success', title: 'Two-factor sign-in is off.' });
      await load();
    });
  };

  const renew = () =>
    run(async () => {
      const answer = await twoFactorApi.newRecoveryCodes(code);
      setCode('');
      setCodes(answer.recoveryCodes);
      notify({
        kind: 'success',
        title: 'New recovery codes were made; the old ones no longer work.',
      });
      await load();
    });

  const codeError = error?.field('code');
  const passwordError = error?.field('password');
  // The whole answer too: its hints say what to check (the phone's clock, recovery codes).
  const formError = error;

  return (
    <section aria-labelledby="two-factor-title" className="card">
      <h2 id="two-factor-title">Two-factor sign-in</h2>
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
      {status === null ? (
        <p role="status">Loading…</p>
      ) : status.enabled ? (
        <>
          <p>
            <strong>On.</strong> Signing in asks for a code from your authenticator app.{' '}
            {status.recoveryCodesLeft === 1
              ? '1 recovery code is left.'
              : `${status.recoveryCodesLeft} recovery codes are left.`}
          </p>
          <form onSubmit={disable} noValidate aria-label="Two-factor sign-in settings">
            <CodeField
              id="two-factor-code"
              label="Code from your app"
              value={code}
              onChange={setCode}
              error={codeError}
              help="The 6-digit code, or one of your recovery codes."
            />
            <div className="field">
              <label htmlFor="two-factor-password">Password (to turn it off)</label>
              <input
                id="two-factor-password"
                type="password"
                autoComplete="current-password"
                value={password}
                maxLength={256}
                aria-invalid={passwordError ? true : undefined}
                aria-describedby={passwordError ? 'two-factor-password-error' : undefined}
                onChange={(event) => setPassword(event.target.value)}
              />
              <FieldMessage id="two-factor-password-error" message={passwordError} />
            </div>
            <FormError error={formError} />
            <div className="actions">
              <button type="button" disabled={busy} onClick={() => void renew()}>
                New recovery codes
              </button>
              <button type="submit" className="danger" disabled={busy}>
                Turn off
              </button>
            </div>
          </form>
        </>
      ) : setup ? (
        <form onSubmit={enable} noValidate aria-label="Set up two-factor sign-in">
          <p>
            Scan this QR code with an authenticator app (for example Google Authenticator, Microsoft
            Authenticator or 1Password), then type the code it shows.
          </p>
          <img
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`}
            alt="QR code for your authenticator app"
            width={200}
            height={200}
          />
          <p className="muted">Cannot scan it? Type this setup key into the app instead:</p>
          <SecretText secret={setup.secret} />
          <CodeField
            id="two-factor-setup-code"
            label="Code from your app"
            value={code}
            onChange={setCode}
            error={codeError}
          />
          <FormError error={formError} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Turn on
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => {
                setSetup(null);
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p>
            Off. With two-factor sign-in, signing in also asks for a 6-digit code from an
            authenticator app on your phone, so a stolen password alone is not enough.
          </p>
          <FormError error={error} />
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void startSetup()}
          >
            Set up two-factor sign-in
          </button>
        </>
      )}
    </section>
  );
}
