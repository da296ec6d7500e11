import { useRef, useState, type FormEvent } from 'react';
import {
  api,
  download,
  errorMessage,
  postForm,
  uploadWithProgress,
  type FirmwareUpload,
} from './api.ts';
import { ConfirmDialog, Notice, Page } from './ui.tsx';

/**
 * System → Maintenance: backup (optionally encrypted with a password), restore, Reset device to
 * default (everything, or keeping the network settings), restart and firmware upload.
 */
export function Maintenance(props: { onLoggedOut: (message: string) => void }) {
  return (
    <Page title="Maintenance">
      <Backup />
      <Restore />
      <Reset onLoggedOut={props.onLoggedOut} />
      <Restart onLoggedOut={props.onLoggedOut} />
      <Firmware onLoggedOut={props.onLoggedOut} />
    </Page>
  );
}

function Backup() {
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    setMessage('');
    try {
      const file = await download('backup', password ? { password } : {});
      const url = URL.createObjectURL(file.blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage(
        password
          ? `Backup ${file.filename} downloaded, encrypted with your password. Keep the password: the restore needs it.`
          : `Backup ${file.filename} downloaded (not encrypted).`,
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="backup-title">
      <h2 id="backup-title">Backup configuration</h2>
      <p>Download the whole configuration. With a password, the file is encrypted.</p>
      <label>
        Backup password (optional)
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <Notice kind="ok">{message}</Notice>
      <Notice kind="error">{error}</Notice>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Download
        </button>
      </div>
    </form>
  );
}

function Restore() {
  const fileInput = useRef<HTMLInputElement>(null);
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    setMessage('');
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setError('Choose the backup file to restore.');
      return;
    }
    const form = new FormData();
    if (password) form.append('password', password);
    form.append('file', file);
    setBusy(true);
    try {
      await postForm('restore', form);
      setMessage(
        `The configuration from ${file.name} was restored. The administrator password is now the one saved in the backup.`,
      );
      setPassword('');
      if (fileInput.current) fileInput.current.value = '';
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="restore-title">
      <h2 id="restore-title">Restore configuration</h2>
      <p>
        Upload a backup of this device; it replaces the whole configuration, the administrator
        password included. Nothing changes if the file or password is wrong.
      </p>
      <label>
        Backup file
        <input ref={fileInput} type="file" accept=".bak,.xml" required />
      </label>
      <label>
        Password of the backup (if encrypted)
        <input
          type="password"
          autoComplete="off"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <Notice kind="ok">{message}</Notice>
      <Notice kind="error">{error}</Notice>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Restore
        </button>
      </div>
    </form>
  );
}

const EVERYTHING = 'Reset everything (network settings and certificates included)';
const KEEP_NETWORK = 'Keep network settings';

function Reset(props: { onLoggedOut: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<'everything' | 'keep-network' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const reset = async () => {
    setBusy(true);
    setError('');
    try {
      await api('POST', 'factory-reset', {
        networkSettingsAndCertificates: choice === 'everything',
      });
      props.onLoggedOut(
        choice === 'everything'
          ? 'The device was reset to default, network settings and certificates included. Log in with the default credentials admin / 2n and choose a new password.'
          : 'The device was reset to default; the network settings were kept. Log in with the default credentials admin / 2n and choose a new password.',
      );
    } catch (caught) {
      setError(errorMessage(caught));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="reset-title">
      <h2 id="reset-title">Reset device to default</h2>
      <p>
        Sets the whole configuration back to the factory values, the administrator password too
        (admin / 2n). The security code is not changed by a reset.
      </p>
      {!open ? (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setOpen(true)}>
            Reset device to default
          </button>
        </div>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!choice) setError('Choose what to reset.');
            else setConfirming(true);
          }}
        >
          <fieldset>
            <legend>What should be reset?</legend>
            <label className="choice">
              <input
                type="radio"
                name="reset-scope"
                checked={choice === 'everything'}
                onChange={() => setChoice('everything')}
              />
              {EVERYTHING}
            </label>
            <label className="choice">
              <input
                type="radio"
                name="reset-scope"
                checked={choice === 'keep-network'}
                onChange={() => setChoice('keep-network')}
              />
              {KEEP_NETWORK}
            </label>
          </fieldset>
          <Notice kind="error">{error}</Notice>
          <div className="actions">
            <button type="submit" className="danger" disabled={!choice}>
              Reset
            </button>
            <button
              type="button"
              onClick={() => {
                setOpen(false);
                setChoice(null);
                setError('');
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {confirming ? (
        <ConfirmDialog
          title="Reset the device to default?"
          confirmLabel="Confirm reset"
          danger
          busy={busy}
          onConfirm={reset}
          onCancel={() => setConfirming(false)}
        >
          <p>
            {choice === 'everything'
              ? 'Everything is reset, network settings and certificates included: the device may get a different address.'
              : 'Everything except the network settings and certificates is reset.'}{' '}
            The device restarts and you are logged out. Make a backup first if you want to keep the
            configuration.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function Restart(props: { onLoggedOut: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const restart = async () => {
    setBusy(true);
    try {
      await api('POST', 'restart');
      props.onLoggedOut('The device restarted. Log in again.');
    } catch (caught) {
      setError(errorMessage(caught));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="restart-title">
      <h2 id="restart-title">Restart</h2>
      <p>Restarts the intercom; the configuration is kept and everyone is logged out.</p>
      <Notice kind="error">{error}</Notice>
      <div className="actions">
        <button type="button" onClick={() => setConfirming(true)}>
          Restart device
        </button>
      </div>
      {confirming ? (
        <ConfirmDialog
          title="Restart the device?"
          confirmLabel="Restart"
          busy={busy}
          onConfirm={restart}
          onCancel={() => setConfirming(false)}
        >
          <p>Calls in progress end and you are logged out.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function Firmware(props: { onLoggedOut: (message: string) => void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const [pending, setPending] = useState<{ version: string; downgrade: boolean } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    setPending(null);
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setError('Choose the firmware file to upload.');
      return;
    }
    setBusy(true);
    setProgress({ loaded: 0, total: file.size });
    try {
      const result = await uploadWithProgress<FirmwareUpload>('firmware', file, (loaded, total) =>
        setProgress({ loaded, total }),
      );
      setPending(result);
    } catch (caught) {
      setError(errorMessage(caught));
      setProgress(null);
    } finally {
      setBusy(false);
    }
  };

  const decide = async (apply: boolean) => {
    setBusy(true);
    setError('');
    try {
      await api('POST', apply ? 'firmware/apply' : 'firmware/reject');
      if (apply) {
        props.onLoggedOut(
          `Firmware ${pending?.version ?? ''} was installed and the device restarted. Log in again.`,
        );
      } else {
        setPending(null);
        setProgress(null);
      }
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const percent =
    progress && progress.total > 0 ? Math.round((progress.loaded / progress.total) * 100) : 0;

  return (
    <form className="card" onSubmit={upload} aria-labelledby="firmware-title">
      <h2 id="firmware-title">Firmware</h2>
      <p>Upload a firmware image for this model; the device checks it before you install it.</p>
      <label>
        Firmware file
        <input ref={fileInput} type="file" accept=".bin,.fw" />
      </label>
      {progress ? (
        <div className="progress">
          <label htmlFor="firmware-progress">Upload progress</label>
          <progress id="firmware-progress" max={100} value={percent}>
            {percent} %
          </progress>
          <span aria-hidden="true">{percent} %</span>
        </div>
      ) : null}
      <Notice kind="error">{error}</Notice>
      {pending ? (
        <>
          <Notice kind="ok">
            Firmware {pending.version} was uploaded and checked
            {pending.downgrade ? '; it is older than the installed one (a downgrade)' : ''}. Install
            it now?
          </Notice>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => decide(true)}>
              Install and restart
            </button>
            <button type="button" disabled={busy} onClick={() => decide(false)}>
              Discard
            </button>
          </div>
        </>
      ) : (
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Upload firmware
          </button>
        </div>
      )}
    </form>
  );
}
