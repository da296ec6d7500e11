import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError } from './api.ts';
import { auditLabel } from './audit-actions.ts';
import { DeviceBackups } from './device-backups.tsx';
import { devicesApi, type DevicePageData } from './devices.api.ts';
import { FieldMessage } from './form-error.tsx';
import { formatAgo, formatDate, formatDateTime } from './format.ts';
import { useLiveEvents } from './live.ts';
import { PortalLink } from './portal-link.tsx';
import { RemoteConfiguration } from './remote-configuration.tsx';
import { SyncBadge } from './sync-badge.tsx';
import { useToasts } from './toasts.tsx';

/**
 * One device (issue 18, "The device itself"): its name and location, model, firmware, online
 * history, configuration mode, sync state and its own audit timeline, live. The cloud gives
 * the history of the current company only, and no timeline to a role without the site audit.
 */
export function DevicePage(props: { serialNumber: string }) {
  const { serialNumber } = props;
  const [data, setData] = useState<DevicePageData | null>(null);
  const [missing, setMissing] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);

  const load = useCallback(async () => {
    try {
      setData(await devicesApi.page(serialNumber));
      setMissing(null);
      setVersion((v) => v + 1);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setMissing(caught);
    }
  }, [serialNumber]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    const name = data?.device.name;
    document.title = `${name ? `${name} (${serialNumber})` : serialNumber} — Latchkey`;
  }, [data, serialNumber]);

  useLiveEvents({
    onDevice: (event) => {
      if (event.serialNumber === serialNumber) void load();
    },
    onReconnect: () => void load(),
    onClosed: () => void load(),
  });

  if (missing) {
    return (
      <main>
        <h1>{missing.body.message}</h1>
        <p>{missing.body.cause}</p>
        <PortalLink to="/devices">All devices</PortalLink>
      </main>
    );
  }
  if (!data) {
    return (
      <main>
        <p role="status">Loading the device…</p>
      </main>
    );
  }
  const { device, onlineHistory, timeline } = data;
  // The site audit and managing the site go with the same roles (admin, site-admin): the
  // timeline the cloud gives tells which the person holds; the cloud decides either way.
  const canManage = timeline !== null;
  return (
    <main>
      <h1>{device.name ?? device.serialNumber}</h1>
      <p className="muted">
        <span className="code">{device.serialNumber}</span> · Site:{' '}
        <PortalLink to={`/sites/${encodeURIComponent(device.site.id)}`}>
          {device.site.name}
        </PortalLink>
      </p>
      <DeviceNaming data={data} canManage={canManage} onSaved={() => void load()} />
      {canManage && device.online && (
        <RemoteConfiguration siteId={device.site.id} serialNumber={device.serialNumber} />
      )}

      <section aria-labelledby="device-facts-title">
        <h2 id="device-facts-title">Device</h2>
        <dl className="facts">
          <dt>Model</dt>
          <dd>{device.model}</dd>
          <dt>Firmware</dt>
          <dd>{device.firmware ?? 'unknown'}</dd>
          <dt>Status</dt>
          <dd>
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
          </dd>
          <dt>Configuration mode</dt>
          <dd>{device.configurationMode === 'manual' ? 'Manual' : 'Automatic'}</dd>
          <dt>Directory</dt>
          <dd>{device.sync ? <SyncBadge sync={device.sync} /> : 'unknown'}</dd>
          <dt>Added on</dt>
          <dd>
            <time dateTime={device.addedAt}>{formatDate(device.addedAt)}</time>
          </dd>
        </dl>
      </section>

      <section aria-labelledby="online-history-title">
        <h2 id="online-history-title">Online history</h2>
        {onlineHistory.length === 0 ? (
          <p>The device has not connected or left since your company has it.</p>
        ) : (
          <ul className="history" aria-label="Online history, newest first">
            {onlineHistory.map((entry, i) => (
              <li key={`${entry.at}-${i}`}>
                <span className={entry.online ? 'dot online' : 'dot offline'} aria-hidden="true" />
                {entry.online ? 'Came online' : 'Went offline'} ·{' '}
                <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
              </li>
            ))}
          </ul>
        )}
      </section>

      <DeviceBackups
        siteId={device.site.id}
        serialNumber={device.serialNumber}
        canManage={canManage}
        version={version}
      />

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        {timeline === null ? (
          <p className="notice">The timeline needs the site-admin role on {device.site.name}.</p>
        ) : timeline.length === 0 ? (
          <p>Nothing happened to this device in your company yet.</p>
        ) : (
          <ol className="timeline" aria-label="Timeline of the device, newest first">
            {timeline.map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.createdAt}>{formatDateTime(entry.createdAt)}</time> ·{' '}
                {auditLabel(entry.action)}
                <MoveDetail detail={entry.detail} />
                {entry.outcome !== 'success' && (
                  <> (refused{entry.errorCode ? `: ${entry.errorCode}` : ''})</>
                )}{' '}
                <span className="muted">by {entry.actor ?? 'the device'}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </main>
  );
}

/** Where a move came from or went to, when the audit row says it (moves within the company). */
function MoveDetail({ detail }: { detail: Record<string, unknown> }) {
  if (typeof detail.fromSite === 'string') return <> (from {detail.fromSite})</>;
  if (typeof detail.toSite === 'string') return <> (to {detail.toSite})</>;
  return null;
}

/** Name and location, edited in place by who manages the site. */
function DeviceNaming(props: { data: DevicePageData; canManage: boolean; onSaved: () => void }) {
  const { device } = props.data;
  const [editing, setEditing] = useState<{ name: string; location: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const { notify, notifyError } = useToasts();
  const scope = `device-naming.${device.serialNumber}`;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    try {
      await devicesApi.describe(device.site.id, device.serialNumber, {
        name: editing.name.trim() === '' ? null : editing.name,
        location: editing.location.trim() === '' ? null : editing.location,
      });
      setEditing(null);
      setError(null);
      notify({ kind: 'success', title: 'Name and location saved.', scope });
      props.onSaved();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code === 'UNAUTHENTICATED') return;
      setError(caught);
      notifyError(caught, scope);
    }
  }

  if (editing === null) {
    return (
      <p>
        Location: {device.location ?? <span className="muted">not set</span>}{' '}
        {props.canManage && (
          <button
            type="button"
            onClick={() => setEditing({ name: device.name ?? '', location: device.location ?? '' })}
          >
            Edit name and location
          </button>
        )}
      </p>
    );
  }
  return (
    <form onSubmit={save} className="inline-form" aria-label="Name and location">
      <div className="field">
        <label htmlFor="device-name">Display name</label>
        <input
          id="device-name"
          value={editing.name}
          maxLength={64}
          aria-invalid={error?.field('name') ? true : undefined}
          onChange={(event) => setEditing({ ...editing, name: event.target.value })}
        />
        <FieldMessage id="device-name-error" message={error?.field('name')} />
      </div>
      <div className="field">
        <label htmlFor="device-location">Location</label>
        <input
          id="device-location"
          value={editing.location}
          maxLength={64}
          placeholder="Main entrance"
          aria-invalid={error?.field('location') ? true : undefined}
          onChange={(event) => setEditing({ ...editing, location: event.target.value })}
        />
        <FieldMessage id="device-location-error" message={error?.field('location')} />
      </div>
      <button type="submit" className="primary">
        Save
      </button>
      <button type="button" onClick={() => setEditing(null)}>
        Cancel
      </button>
    </form>
  );
}
