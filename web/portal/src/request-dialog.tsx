import { useState, type FormEvent } from 'react';
import { ApiError } from './api.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './form-error.tsx';
import { transfersApi } from './transfers.api.ts';

/** What the add dialog knew when the cloud answered "already added". */
export interface ReleaseAsk {
  serialNumber: string;
  securityCode: string;
}

/**
 * Beside the "already added" answer of the add dialog: the friendlier path of issue 18, to ask
 * the owner instead of generating a new security code on the device.
 */
export function AskOwnerOffer({ onAsk }: { onAsk: () => void }) {
  return (
    <div className="notice">
      <p>
        Instead of generating a new security code on the device, you can ask its owner to release it
        to this site.
      </p>
      <button type="button" onClick={onAsk}>
        Ask the owner to release it
      </button>
    </div>
  );
}

/**
 * The request to release a device (POST /api/transfer-requests): the serial, the code and the
 * site come from the add dialog; the only choice is whether the owner may see the company's
 * name (issue 18: shown "only if the requester chose to share it"; off unless chosen).
 */
export function RequestDialog(props: {
  site: { id: string; name: string };
  ask: ReleaseAsk;
  onClose: () => void;
}) {
  const { site, ask, onClose } = props;
  const [share, setShare] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await transfersApi.requestRelease({
        serialNumber: ask.serialNumber,
        securityCode: ask.securityCode,
        siteId: site.id,
        shareCompanyName: share,
      });
      setSent(true);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={`Ask the owner to release ${ask.serialNumber}`}
      description={
        <p>
          The owner’s admins see the device and its site, and decide. If they approve, the device
          moves to “{site.name}”. You keep the security code: the request proves you hold it.
        </p>
      }
      onClose={onClose}
    >
      {sent ? (
        <>
          <p role="status" className="notice">
            Request sent; you will be told when the owner answers.
          </p>
          <div className="actions">
            <button type="button" className="primary" data-autofocus onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate aria-label="Ask the owner to release the device">
          <div className="field checkbox">
            <input
              id="request-share"
              type="checkbox"
              checked={share}
              onChange={(event) => setShare(event.target.checked)}
            />
            <label htmlFor="request-share">Share my company's name with the owner</label>
          </div>
          <p className="field-help">Otherwise they read “A company that did not share its name”.</p>
          <FormError error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Send
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
