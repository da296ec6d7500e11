import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { all, api, ApiError, type Site } from './api.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './form-error.tsx';
import { deviceLine } from './transfers-text.ts';
import type { Transfer } from './transfers.api.ts';

/**
 * A question before an answer that cannot be taken back (reject, cancel, approve, decline):
 * what happens, one button that does it, and Cancel (focused first, as in the member dialogs).
 */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirm: string;
  danger?: boolean;
  busy: boolean;
  error: ApiError | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={props.title} description={props.children} onClose={props.onClose}>
      <FormError error={props.error} />
      <div className="actions">
        <button
          type="button"
          className={props.danger ? 'danger' : 'primary'}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirm}
        </button>
        <button type="button" data-autofocus onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

/**
 * Accepting an offer (issue 18): devices go into one of the company's sites, chosen here; a
 * whole site comes as it is, so there is only a confirmation.
 */
export function AcceptDialog(props: {
  transfer: Transfer;
  busy: boolean;
  error: ApiError | null;
  onAccept: (siteId?: string) => void;
  onClose: () => void;
}) {
  const { transfer } = props;
  const wholeSite = transfer.site !== null;
  const [sites, setSites] = useState<Site[] | null>(null);
  const [siteId, setSiteId] = useState('');
  const [loadError, setLoadError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (wholeSite) return;
    all((cursor) => api.sites(cursor)).then(
      (list) => {
        setSites(list);
        setSiteId((current) => current || (list[0]?.id ?? ''));
      },
      (caught: unknown) => {
        if (!(caught instanceof ApiError)) throw caught;
        setLoadError(caught);
      },
    );
  }, [wholeSite]);

  function submit(event: FormEvent) {
    event.preventDefault();
    props.onAccept(wholeSite ? undefined : siteId);
  }

  const from = transfer.fromCompany.name;
  return (
    <Dialog
      title={
        wholeSite ? `Receive the site “${transfer.site?.name}”?` : `Accept the offer from ${from}?`
      }
      description={
        wholeSite ? (
          <p>
            The site comes to your company whole, with its devices. {from} no longer manages it.
          </p>
        ) : (
          <>
            <p>These devices of {from} become yours, in the site you choose:</p>
            <ul>
              {transfer.devices.map((device) => (
                <li key={device.serialNumber}>{deviceLine(device)}</li>
              ))}
            </ul>
          </>
        )
      }
      onClose={props.onClose}
    >
      <form onSubmit={submit} noValidate aria-label="Accept the offer">
        {!wholeSite && (
          <div className="field">
            <label htmlFor="accept-site">Site for the devices</label>
            {sites === null ? (
              <p role="status">Loading your sites…</p>
            ) : sites.length === 0 ? (
              <p id="accept-site">Your company has no site yet: create one on the Sites page.</p>
            ) : (
              <select
                id="accept-site"
                value={siteId}
                onChange={(event) => setSiteId(event.target.value)}
              >
                {sites.map((site) => (
                  <option key={site.id} value={site.id}>
                    {site.name}
                  </option>
                ))}
              </select>
            )}
          </div>
        )}
        {!wholeSite && (
          <p className="muted">
            Each device then leaves its previous owner’s configuration behind and takes that of the
            site you choose.
          </p>
        )}
        <FormError error={loadError ?? props.error} />
        <div className="actions">
          <button
            type="submit"
            className="primary"
            disabled={props.busy || (!wholeSite && !siteId)}
          >
            {wholeSite ? 'Receive the site' : 'Accept into this site'}
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
