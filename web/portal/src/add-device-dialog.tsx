import { CertificateScan } from './certificate-scan.tsx';
import { Dialog } from './dialog.tsx';
import { FieldMessage } from './form-error.tsx';
import { AskOwnerOffer } from './request-dialog.tsx';
import type { SitePageState } from './use-site-page.ts';

/** Adding a device with its serial number and security code (typed, or read from the certificate). */
export function AddDeviceDialog({ adding }: { adding: SitePageState['adding'] }) {
  const { draft, setDraft, clearDraft, error, busy } = adding;
  const serialError = error?.field('serialNumber');
  const codeError = error?.field('securityCode');
  return (
    <Dialog
      title="Add a device"
      description={
        <p>
          Enter the serial number and the security code of the device. Both are printed on the
          certificate of ownership included in the box, and shown in the device's web interface.
        </p>
      }
      onClose={clearDraft}
    >
      <form onSubmit={adding.add} noValidate>
        <CertificateScan onRead={(read) => setDraft({ ...draft, ...read })} />
        <div className="field">
          <label htmlFor="add-serial">Serial number</label>
          <input
            id="add-serial"
            data-autofocus
            name="serialNumber"
            value={draft.serialNumber}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            placeholder="54-0562-0293"
            aria-invalid={serialError ? true : undefined}
            aria-describedby={`add-serial-help${serialError ? ' add-serial-error' : ''}`}
            onChange={(event) => setDraft({ ...draft, serialNumber: event.target.value })}
          />
          <p className="field-help" id="add-serial-help">
            Ten digits, as on the back of the unit; dashes and spaces are optional.
          </p>
          <FieldMessage id="add-serial-error" message={serialError} />
        </div>
        <div className="field">
          <label htmlFor="add-code">Security code</label>
          <input
            id="add-code"
            name="securityCode"
            value={draft.securityCode}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            placeholder="XXXX-XXXX-XXXX-XXXX"
            aria-invalid={codeError ? true : undefined}
            aria-describedby={`add-code-help${codeError ? ' add-code-error' : ''}`}
            onChange={(event) => setDraft({ ...draft, securityCode: event.target.value })}
          />
          <p className="field-help" id="add-code-help">
            Sixteen letters and digits, in any case, with or without dashes.
          </p>
          <FieldMessage id="add-code-error" message={codeError} />
        </div>
        {error?.code === 'DEVICE_ALREADY_ADDED' && <AskOwnerOffer onAsk={adding.askOwner} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Add device
          </button>
          <button type="button" onClick={clearDraft}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
