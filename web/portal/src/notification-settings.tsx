import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from './api.ts';
import { FormError } from './form-error.tsx';
import { useToasts } from './toasts.tsx';

/** The kinds the cloud mails about (GET /api/me/notification-settings), in words. */
const KINDS: { kind: string; label: string; help: string }[] = [
  {
    kind: 'device-moved-away',
    label: 'A device was moved away from a site',
    help: 'Someone added one of your devices to another account with its security code.',
  },
  {
    kind: 'code-regenerated',
    label: 'A new security code was generated on a device',
    help: 'Generate New was pressed in the device’s web interface.',
  },
  {
    kind: 'factory-reset',
    label: 'A device was reset to factory defaults',
    help: 'Its settings and its security code are back to those of the box.',
  },
  {
    kind: 'claim-failures',
    label: 'Repeated failed attempts to add a device',
    help: 'Someone keeps trying wrong security codes for one of your devices.',
  },
  // Issue 18: transfers with consent.
  {
    kind: 'transfer-offered',
    label: 'Another company offered devices or a site to your company',
    help: 'An admin accepts or rejects it on the Transfers page; it expires after 7 days.',
  },
  {
    kind: 'transfer-answered',
    label: 'An offer of your company was accepted or rejected',
    help: 'The other company answered an offer you made.',
  },
  {
    kind: 'transfer-cancelled',
    label: 'An offer was cancelled',
    help: 'Withdrawn by the offering company, or ended because a device was added elsewhere with a new security code.',
  },
  {
    kind: 'transfer-request',
    label: 'Someone asked your company to release a device',
    help: 'They hold its serial number and current security code; approve or decline on the Transfers page.',
  },
  {
    kind: 'transfer-request-answered',
    label: 'Your request to release a device was answered',
    help: 'The owner approved it (the device is now in your site) or declined it.',
  },
  {
    kind: 'backup-restored',
    label: "A device's configuration was restored from a cloud backup",
    help: 'Someone who manages the site restored one of its backups onto the device.',
  },
  {
    kind: 'backup-failing',
    label: "A device's daily backups are failing",
    help: 'Its daily backup failed three days in a row; check that it is online and working.',
  },
  {
    kind: 'webhook-disabled',
    label: 'A webhook endpoint was disabled',
    help: 'Its deliveries kept failing; fix the receiver, then enable it again on the Webhooks page.',
  },
];

/**
 * Which notifications also come by e-mail (issue 16: per-person settings). The bell shows all
 * of them either way. A section for the Account page.
 */
export function NotificationSettings() {
  const { notify } = useToasts();
  const [mail, setMail] = useState<Record<string, boolean> | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.notificationSettings().then(
      (settings) => setMail(settings.mail),
      (caught: unknown) => {
        if (!(caught instanceof ApiError)) throw caught;
        if (caught.code !== 'UNAUTHENTICATED') setLoadError(caught);
      },
    );
  }, []);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!mail) return;
    setBusy(true);
    setError(null);
    try {
      const saved = await api.saveNotificationSettings({ mail });
      setMail(saved.mail);
      notify({ kind: 'success', title: 'Your e-mail notification settings were saved.' });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setError(caught);
    } finally {
      setBusy(false);
    }
  }

  // Kinds the cloud knows and this page does not (a newer cloud) are still offered.
  const known = new Set(KINDS.map((k) => k.kind));
  const kinds = [
    ...KINDS,
    ...Object.keys(mail ?? {})
      .filter((kind) => !known.has(kind))
      .map((kind) => ({ kind, label: kind, help: '' })),
  ].filter((k) => mail === null || k.kind in mail);

  return (
    <section aria-labelledby="notification-settings-title" className="card">
      <h2 id="notification-settings-title">E-mail notifications</h2>
      <p>Choose what also comes by e-mail. The bell in the header shows everything.</p>
      {loadError ? (
        <FormError error={loadError} />
      ) : mail === null ? (
        <p role="status">Loading your settings…</p>
      ) : (
        <form onSubmit={save} noValidate aria-label="E-mail notifications">
          <fieldset className="grants">
            <legend>Send me an e-mail when</legend>
            {kinds.map(({ kind, label, help }) => (
              <div className="field" key={kind}>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={mail[kind] === true}
                    aria-describedby={help ? `mail-${kind}-help` : undefined}
                    onChange={(event) => setMail({ ...mail, [kind]: event.target.checked })}
                  />{' '}
                  {label}
                </label>
                {help && (
                  <p className="field-help" id={`mail-${kind}-help`}>
                    {help}
                  </p>
                )}
              </div>
            ))}
          </fieldset>
          <FormError error={error} />
          <button type="submit" disabled={busy}>
            Save e-mail settings
          </button>
        </form>
      )}
    </section>
  );
}
