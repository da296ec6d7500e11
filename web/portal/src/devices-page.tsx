import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { all, api, ApiError, type Site } from './api.ts';
import { PortalLink } from './portal-link.tsx';
import { devicesApi, type DeviceFilter, type ListedDevice } from './devices.api.ts';
import { FormError } from './form-error.tsx';
import { formatAgo, formatDateTime } from './format.ts';

type OnlineChoice = 'any' | 'online' | 'offline';

/**
 * Every device of the company's sites the person sees (issue 18): search by serial, name,
 * location, site or firmware, filter by site and status, pages by serial number ("Load more").
 */
export function DevicesPage() {
  const [query, setQuery] = useState('');
  const [siteId, setSiteId] = useState('');
  const [online, setOnline] = useState<OnlineChoice>('any');
  const [filter, setFilter] = useState<DeviceFilter>({});
  const [sites, setSites] = useState<Site[]>([]);
  const [devices, setDevices] = useState<ListedDevice[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    document.title = 'Devices — Latchkey';
    all((cursor) => api.sites(cursor)).then(setSites, (caught: unknown) => {
      if (!(caught instanceof ApiError)) throw caught;
    });
  }, []);

  // Only the newest request's answer is shown: an earlier search answering late must not win.
  const latest = useRef(0);
  const load = useCallback(async (wanted: DeviceFilter, cursor: string | null) => {
    const asked = ++latest.current;
    setLoading(true);
    try {
      const page = await devicesApi.search(wanted, cursor);
      if (asked !== latest.current) return;
      setDevices((shown) => (cursor && shown ? [...shown, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
      setError(null);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (asked === latest.current && caught.code !== 'UNAUTHENTICATED') setError(caught);
    } finally {
      if (asked === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(filter, null);
  }, [filter, load]);

  function search(event: FormEvent) {
    event.preventDefault();
    setFilter({
      ...(query.trim() ? { query: query.trim() } : {}),
      ...(siteId ? { siteId } : {}),
      ...(online === 'any' ? {} : { online: online === 'online' }),
    });
  }

  return (
    <main>
      <h1>Devices</h1>
      <form onSubmit={search} className="inline-form" role="search" aria-label="Search devices">
        <div className="field">
          <label htmlFor="device-search">Search</label>
          <input
            id="device-search"
            type="search"
            value={query}
            maxLength={100}
            placeholder="Serial number, name, location, site or firmware"
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="device-search-site">Site</label>
          <select
            id="device-search-site"
            value={siteId}
            onChange={(event) => setSiteId(event.target.value)}
          >
            <option value="">All sites</option>
            {sites.map((site) => (
              <option key={site.id} value={site.id}>
                {site.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="device-search-online">Status</label>
          <select
            id="device-search-online"
            value={online}
            onChange={(event) => setOnline(event.target.value as OnlineChoice)}
          >
            <option value="any">Online or offline</option>
            <option value="online">Online</option>
            <option value="offline">Offline</option>
          </select>
        </div>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <FormError error={error} />
      {devices === null ? (
        <p role="status">Loading devices…</p>
      ) : devices.length === 0 ? (
        <p role="status">No device matches.</p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">Devices found, by serial number</caption>
          <thead>
            <tr>
              <th scope="col">Serial number</th>
              <th scope="col">Name</th>
              <th scope="col">Location</th>
              <th scope="col">Site</th>
              <th scope="col">Status</th>
              <th scope="col">Firmware</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((device) => (
              <tr key={device.serialNumber}>
                <th scope="row" data-label="Serial number">
                  <PortalLink to={`/devices/${encodeURIComponent(device.serialNumber)}`}>
                    <span className="code">{device.serialNumber}</span>
                  </PortalLink>
                </th>
                <td data-label="Name">{device.name ?? ''}</td>
                <td data-label="Location">{device.location ?? ''}</td>
                <td data-label="Site">
                  <PortalLink to={`/sites/${encodeURIComponent(device.site.id)}`}>
                    {device.site.name}
                  </PortalLink>
                </td>
                <td data-label="Status">
                  <span
                    className={device.online ? 'dot online' : 'dot offline'}
                    aria-hidden="true"
                  />
                  {device.online ? 'Online' : 'Offline'}
                  <span className="muted">
                    {' '}
                    ·{' '}
                    <time
                      dateTime={device.lastSeenAt ?? undefined}
                      title={formatDateTime(device.lastSeenAt)}
                    >
                      {formatAgo(device.lastSeenAt)}
                    </time>
                  </span>
                </td>
                <td data-label="Firmware" className="nowrap">
                  {device.firmware ?? 'unknown'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <button type="button" disabled={loading} onClick={() => void load(filter, nextCursor)}>
          Load more
        </button>
      )}
    </main>
  );
}
