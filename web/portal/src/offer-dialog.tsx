import { useState, type FormEvent } from 'react';
import { ApiError, type Device } from './api.ts';
import { Dialog } from './dialog.tsx';
import { FieldMessage, FormError } from './form-error.tsx';
import { formatDateTime } from './format.ts';
import { deviceLabel } from './site-devices.tsx';
import { useToasts } from './toasts.tsx';
import { transfersApi } from './transfers.api.ts';

/** What is offered: devices of the site, or the site whole. */
export type OfferContents =
  | { kind: 'devices'; devices: Pick<Device, 'serialNumber' | 'model' | 'name'>[] }
  | { kind: 'site' };

/**
 * Offering devices, or a whole site, to another company by the e-mail of a person there
 * (issue 18). It says what goes, that the offer expires after 7 days and that nothing moves
 * until the other side accepts; a refusal shows the catalog's message, cause and hints.
 */
export function OfferDialog(props: {
  site: { id: string; name: string };
  contents: OfferContents;
  onClose: () => void;
  /** The offer was made (the site page may reload its audit log). */
  onOffered?: () => void;
}) {
  const { site, contents, onClose, onOffered } = props;
  const { notify } = useToasts();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const toEmail = email.trim();
    try {
      const offer = await transfersApi.offer(
        contents.kind === 'site'
          ? { toEmail, siteId: site.id }
          : { toEmail, serialNumbers: contents.devices.map((d) => d.serialNumber) },
      );
      notify({
        kind: 'success',
        title: `The offer was sent to ${toEmail}.`,
        cause: `It waits for their answer until ${formatDateTime(offer.expiresAt)}; follow it, or cancel it, on the Transfers page.`,
        scope: `offer.${site.id}`,
      });
      onOffered?.();
      onClose();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const emailError = error?.field('toEmail');
  const count = contents.kind === 'devices' ? contents.devices.length : 0;
  const title =
    contents.kind === 'site'
      ? `Offer the site “${site.name}”`
      : `Offer ${count === 1 ? 'a device' : `${count} devices`} to another company`;
  return (
    <Dialog
      title={title}
      description={
        contents.kind === 'site' ? (
          <p>
            The whole site, with its devices, goes to the other company if one of its admins
            accepts. Your company then no longer manages it.
          </p>
        ) : (
          <>
            <p>From the site “{site.name}”, if one of the other company’s admins accepts:</p>
            <ul>
              {contents.devices.map((device) => (
                <li key={device.serialNumber}>
                  {deviceLabel(device)} · {device.model}
                </li>
              ))}
            </ul>
          </>
        )
      }
      onClose={onClose}
    >
      <form onSubmit={submit} noValidate aria-label="Offer to another company">
        <div className="field">
          <label htmlFor="offer-email">E-mail of a person in the other company</label>
          <input
            id="offer-email"
            type="email"
            value={email}
            maxLength={254}
            autoComplete="off"
            aria-invalid={emailError ? true : undefined}
            aria-describedby={`offer-email-help${emailError ? ' offer-email-error' : ''}`}
            onChange={(event) => setEmail(event.target.value)}
          />
          <p className="field-help" id="offer-email-help">
            They need an account already; their company’s admins are told by mail and in the portal.
          </p>
          <FieldMessage id="offer-email-error" message={emailError} />
        </div>
        <p className="muted">
          The offer expires after 7 days. Until it is accepted everything stays yours, and you can
          cancel it on the Transfers page.
        </p>
        <FormError error={emailError ? null : error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || email.trim() === ''}>
            Send the offer
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
