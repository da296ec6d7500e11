import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type AccessLogEntry, type AccessLogFilter, type Device } from './api.ts';
import { formatDateTime } from './format.ts';

const CREDENTIALS: Record<AccessLogEntry['credential'], string> = {
  pin: 'PIN',
  card: 'Card',
  code: 'Switch code',
  remote: 'Opened remotely',
};

/** "Anna Novák, apartment 12"; who the device did not know: "Unknown". */
function who(entry: AccessLogEntry): string {
  const name = entry.residentName ?? (entry.credential === 'remote' ? 'The cloud' : 'Unknown');
  return entry.apartmentName ? `${name}, apartment ${entry.apartmentName}` : name;
}

/** The device's name now (the list), else the one recorded, else its serial number. */
function where(entry: AccessLogEntry, devices: Device[]): string {
  const device = devices.find((d) => d.serialNumber === entry.serialNumber);
  const name = device?.name ?? entry.deviceName ?? entry.serialNumber;
  return entry.switch === null ? name : `${name}, switch ${entry.switch}`;
}

const reasonWords = (reason: string | null | undefined) =>
  reason ? reason.replace(/[-_]+/g, ' ') : '';

/**
 * Who opened which door of the site, newest first (issue 17), filtered by device and result,
 * live: it loads again on every live event of the site (`liveKey`).
 */
export function AccessLog(props: { siteId: string; devices: Device[]; liveKey: number }) {
  const { siteId, devices, liveKey } = props;
  const [filter, setFilter] = useState<AccessLogFilter>({});
  const [entries, setEntries] = useState<AccessLogEntry[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    try {
      const page = await api.accessLog(siteId, filter);
      setEntries(page.items);
      setNextCursor(page.nextCursor);
      setUnavailable(null);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setUnavailable(caught);
    }
  }, [siteId, filter]);

  useEffect(() => {
    void load();
  }, [load, liveKey]);

  async function more() {
    if (!nextCursor) return;
    try {
      const page = await api.accessLog(siteId, filter, nextCursor);
      setEntries((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setUnavailable(caught);
    }
  }

  const granted = filter.granted === undefined ? 'all' : filter.granted ? 'granted' : 'refused';
  return (
    <section aria-labelledby="access-log-title" id="access-log">
      <h2 id="access-log-title">Access log</h2>
      <div className="inline-form filters" role="search" aria-label="Filter the access log">
        <div className="field">
          <label htmlFor="access-log-device">Device</label>
          <select
            id="access-log-device"
            value={filter.serialNumber ?? ''}
            onChange={(event) =>
              setFilter({ ...filter, serialNumber: event.target.value || undefined })
            }
          >
            <option value="">All devices</option>
            {devices.map((d) => (
              <option key={d.serialNumber} value={d.serialNumber}>
                {d.name ? `${d.name} (${d.serialNumber})` : d.serialNumber}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="access-log-result">Result</label>
          <select
            id="access-log-result"
            value={granted}
            onChange={(event) =>
              setFilter({
                ...filter,
                granted:
                  event.target.value === 'all' ? undefined : event.target.value === 'granted',
              })
            }
          >
            <option value="all">Granted and refused</option>
            <option value="granted">Granted</option>
            <option value="refused">Refused</option>
          </select>
        </div>
      </div>
      {unavailable ? (
        <p className="notice">
          {unavailable.body.message} {unavailable.body.cause}
        </p>
      ) : entries === null ? (
        <p role="status">Loading the access log…</p>
      ) : entries.length === 0 ? (
        <p>
          Nobody has opened a door here yet
          {filter.serialNumber || filter.granted !== undefined ? ' (with these filters)' : ''}.
        </p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">Access log of this site, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">How</th>
              <th scope="col">Where</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td data-label="When">
                  <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                </td>
                <td data-label="Who">{who(entry)}</td>
                <td data-label="How">{CREDENTIALS[entry.credential] ?? entry.credential}</td>
                <td data-label="Where">{where(entry, devices)}</td>
                <td data-label="Result">
                  {entry.granted ? (
                    <span className="granted">Granted</span>
                  ) : (
                    <span className="refused">
                      Refused{entry.reason ? `: ${reasonWords(entry.reason)}` : ''}
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <button type="button" onClick={() => void more()}>
          Show older entries
        </button>
      )}
    </section>
  );
}
