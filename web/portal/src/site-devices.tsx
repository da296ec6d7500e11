import { useState } from 'react';
import { api, ApiError, type ConfigurationMode, type Device } from './api.ts';
import { DeviceActionsDialog } from './device-actions.tsx';
import { DeviceBulkActions } from './device-bulk.tsx';
import { PortalLink } from './portal-link.tsx';
import { formatAgo, formatDate, formatDateTime } from './format.ts';
import { SyncBadge } from './sync-badge.tsx';
import { useToasts } from './toasts.tsx';

/** What a person calls a device: its name, else its serial number. */
export const deviceLabel = (device: { serialNumber: string; name?: string | null }) =>
  device.name ? `${device.name} (${device.serialNumber})` : device.serialNumber;

/**
 * The devices of a site: status, name, configuration mode and whether each holds the site's
 * directory (issue 17), with "Sync now" and the actions a manager may take on each.
 */
export function SiteDevices(props: {
  siteId: string;
  devices: Device[];
  canManage: boolean;
  onDelete: (device: Device) => void;
  /** Something about a device changed here: load the list again. */
  onChanged: () => void;
  /** Issue 18: when given, the bulk toolbar offers the selected devices to another company. */
  onOffer?: (serialNumbers: string[]) => void;
}) {
  const { siteId, devices, canManage, onDelete, onChanged, onOffer } = props;
  const [acting, setActing] = useState<Device | null>(null);
  // Issue 18, bulk actions: the selection keeps only devices still listed.
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const selected = devices.map((d) => d.serialNumber).filter((s) => picked.has(s));
  const allPicked = devices.length > 0 && selected.length === devices.length;
  const pick = (serial: string, on: boolean) =>
    setPicked((now) => {
      const next = new Set(now);
      if (on) next.add(serial);
      else next.delete(serial);
      return next;
    });
  const [busy, setBusy] = useState<string | null>(null);
  const { notify, notifyError } = useToasts();
  const scope = `devices.${siteId}`;

  async function setMode(device: Device, configurationMode: ConfigurationMode) {
    setBusy(device.serialNumber);
    try {
      await api.updateDevice(siteId, device.serialNumber, { configurationMode });
      notify({
        kind: 'success',
        title:
          configurationMode === 'automatic'
            ? `${deviceLabel(device)} now takes the site's residents automatically.`
            : `${deviceLabel(device)} is now configured by hand; the cloud no longer writes its directory.`,
        scope,
      });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scope);
    } finally {
      setBusy(null);
      onChanged();
    }
  }

  async function syncNow(device: Device) {
    setBusy(device.serialNumber);
    try {
      await api.syncDevice(siteId, device.serialNumber);
      notify({ kind: 'success', title: `Sending the directory to ${deviceLabel(device)}.`, scope });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scope);
    } finally {
      setBusy(null);
      onChanged();
    }
  }

  return (
    <>
      {canManage && (
        <DeviceBulkActions
          siteId={siteId}
          selected={selected}
          allSelected={allPicked}
          onSelectAll={(on) => setPicked(new Set(on ? devices.map((d) => d.serialNumber) : []))}
          onOffer={onOffer}
          onDone={(done) => {
            setPicked((now) => new Set([...now].filter((s) => !done.includes(s))));
            onChanged();
          }}
        />
      )}
      <table className="stack">
        <caption className="visually-hidden">Devices of this site</caption>
        <thead>
          <tr>
            {canManage && (
              <th scope="col">
                <span className="visually-hidden">Select</span>
              </th>
            )}
            <th scope="col">Serial number</th>
            <th scope="col">Model</th>
            <th scope="col">Firmware</th>
            <th scope="col">Status</th>
            <th scope="col">Directory</th>
            <th scope="col">Added on</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {devices.map((device) => (
            <tr key={device.serialNumber}>
              {canManage && (
                <td data-label="Select">
                  <input
                    type="checkbox"
                    aria-label={`Select device ${device.serialNumber}`}
                    checked={picked.has(device.serialNumber)}
                    onChange={(event) => pick(device.serialNumber, event.target.checked)}
                  />
                </td>
              )}
              <th scope="row" data-label="Serial number">
                <PortalLink to={`/devices/${encodeURIComponent(device.serialNumber)}`}>
                  <span className="code">{device.serialNumber}</span>
                </PortalLink>
                {device.name && <span className="device-name">{device.name}</span>}
              </th>
              <td data-label="Model">{device.model}</td>
              <td data-label="Firmware" className="nowrap">
                {device.firmware ?? 'unknown'}
              </td>
              <td data-label="Status">
                <span className={device.online ? 'dot online' : 'dot offline'} aria-hidden="true" />
                {device.online ? 'Online' : 'Offline'}
                <span className="muted">
                  {' '}
                  · last seen{' '}
                  <time
                    dateTime={device.lastSeenAt ?? undefined}
                    title={formatDateTime(device.lastSeenAt)}
                  >
                    {formatAgo(device.lastSeenAt)}
                  </time>
                </span>
              </td>
              <td data-label="Directory">
                <ModeCell
                  device={device}
                  canManage={canManage}
                  disabled={busy === device.serialNumber}
                  onChange={(mode) => void setMode(device, mode)}
                />
                {device.sync && device.configurationMode !== 'manual' && (
                  <div className="sync-line">
                    <SyncBadge sync={device.sync} />
                    {canManage && (
                      <button
                        type="button"
                        className="small"
                        disabled={busy === device.serialNumber}
                        aria-label={`Sync now ${device.serialNumber}`}
                        onClick={() => void syncNow(device)}
                      >
                        Sync now
                      </button>
                    )}
                  </div>
                )}
              </td>
              <td data-label="Added on" className="nowrap">
                <time dateTime={device.addedAt}>{formatDate(device.addedAt)}</time>
              </td>
              <td className="row-actions">
                {canManage && (
                  <>
                    <button
                      type="button"
                      aria-label={`Actions for device ${device.serialNumber}`}
                      onClick={() => setActing(device)}
                    >
                      Actions
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete device ${device.serialNumber}`}
                      onClick={() => onDelete(device)}
                    >
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {acting && canManage && (
        <DeviceActionsDialog
          siteId={siteId}
          device={devices.find((d) => d.serialNumber === acting.serialNumber) ?? acting}
          onRenamed={onChanged}
          onClose={() => setActing(null)}
        />
      )}
    </>
  );
}

/** Automatic: the cloud writes the site's residents onto the device; manual: it does not. */
function ModeCell(props: {
  device: Device;
  canManage: boolean;
  disabled: boolean;
  onChange: (mode: ConfigurationMode) => void;
}) {
  const { device, canManage, disabled, onChange } = props;
  if (!device.configurationMode) return null;
  if (!canManage) {
    return <span>{device.configurationMode === 'automatic' ? 'Automatic' : 'Manual'}</span>;
  }
  const id = `mode-${device.serialNumber}`;
  return (
    <span className="mode-field">
      <label htmlFor={id} className="visually-hidden">
        Configuration mode of {device.serialNumber}
      </label>
      <select
        id={id}
        value={device.configurationMode}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value as ConfigurationMode)}
      >
        <option value="automatic">Automatic</option>
        <option value="manual">Manual</option>
      </select>
    </span>
  );
}
