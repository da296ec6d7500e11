import { SiteDevices } from './site-devices.tsx';
import type { SitePageState } from './use-site-page.ts';

/** The site's devices: the table, and for managers adding one, in bulk, or new firmware. */
export function SiteDevicesSection({ state, siteId }: { state: SitePageState; siteId: string }) {
  const { devices, canManage } = state;
  return (
    <section aria-labelledby="devices-title" id="devices">
      <div className="section-head">
        <h2 id="devices-title">Devices</h2>
        {canManage && (
          <div className="row-actions">
            <button type="button" className="primary" onClick={state.adding.open}>
              Add device
            </button>
            <button type="button" onClick={() => state.setBulkOpen(true)}>
              Bulk add
            </button>
            <button type="button" onClick={() => state.setRolloutOpen(true)}>
              Update firmware
            </button>
          </div>
        )}
      </div>
      {devices === null ? (
        <p role="status">Loading devices…</p>
      ) : devices.length === 0 ? (
        <p>No devices in this site yet. Add one with its serial number and security code.</p>
      ) : (
        <SiteDevices
          siteId={siteId}
          devices={devices}
          canManage={canManage}
          onDelete={state.deleting.setDevice}
          onChanged={() => void state.loadDevices()}
          onOffer={(serials) =>
            state.setOffering({
              kind: 'devices',
              devices: devices.filter((d) => serials.includes(d.serialNumber)),
            })
          }
        />
      )}
    </section>
  );
}
