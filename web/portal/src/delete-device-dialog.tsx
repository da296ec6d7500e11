import type { Device } from './api.ts';
import { Dialog } from './dialog.tsx';
import type { SitePageState } from './use-site-page.ts';

/** Confirms deleting a device from the site: it can then be added elsewhere. */
export function DeleteDeviceDialog({
  device,
  siteName,
  deleting,
}: {
  device: Device;
  siteName: string | undefined;
  deleting: SitePageState['deleting'];
}) {
  return (
    <Dialog
      title={`Delete device ${device.serialNumber}?`}
      description={
        <p>
          The device leaves the site “{siteName}” and is no longer managed here. It can then be
          added elsewhere — to another site or another account — with its serial number and security
          code.
        </p>
      }
      onClose={() => deleting.setDevice(null)}
    >
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={deleting.busy}
          onClick={() => void deleting.confirm()}
        >
          Delete device
        </button>
        <button type="button" data-autofocus onClick={() => deleting.setDevice(null)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
