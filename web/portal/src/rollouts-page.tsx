import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api.ts';
import { FormError } from './form-error.tsx';
import { formatDateTime } from './format.ts';
import { useLiveEvents } from './live.ts';
import { navigate } from './router.ts';
import {
  rolloutsApi,
  type Rollout,
  type RolloutCounts,
  type RolloutSummary,
} from './rollouts.api.ts';

const STATE_LABELS: Record<RolloutSummary['state'], string> = {
  running: 'Running',
  done: 'Done',
  stopped: 'Stopped (too many failures)',
  cancelled: 'Cancelled',
};

const STEP_LABELS: Record<string, string> = {
  pending: 'Waiting',
  sent: 'Sent',
  downloading: 'Downloading',
  verifying: 'Verifying',
  installing: 'Installing',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

/** Finished devices of all: what the overall bar shows. */
const finishedShare = (counts: RolloutCounts) =>
  counts.total === 0
    ? 100
    : Math.round(
        ((counts.done + counts.failed + counts.skipped + counts.cancelled) * 100) / counts.total,
      );

function Bar(props: { value: number; label: string }) {
  return (
    <progress max={100} value={props.value} aria-label={props.label}>
      {props.value} %
    </progress>
  );
}

/** Refetches at most every 300 ms while live events come (one per device step). */
function useThrottled(load: () => void) {
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      load();
    }, 300);
  }, [load]);
}

/** The company's rollouts (issue 19), newest first. */
export function RolloutsPage() {
  const [items, setItems] = useState<RolloutSummary[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = useCallback(() => {
    rolloutsApi.list().then(
      (list) => setItems(list.items),
      (failure: unknown) => setError(failure instanceof ApiError ? failure : null),
    );
  }, []);
  useEffect(load, [load]);
  const later = useThrottled(load);
  useLiveEvents({ onDevice: later, onReconnect: load, onClosed: () => {} });
  return (
    <main id="content">
      <h1>Firmware rollouts</h1>
      <FormError error={error} />
      {items === null ? (
        <p role="status">Loading rollouts…</p>
      ) : items.length === 0 ? (
        <p className="muted">No rollout yet. Start one from a site: Update firmware.</p>
      ) : (
        <table aria-label="Rollouts">
          <thead>
            <tr>
              <th scope="col">Firmware</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {items.map((rollout) => (
              <tr key={rollout.id}>
                <td>
                  <a
                    href={`/rollouts/${encodeURIComponent(rollout.id)}`}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(`/rollouts/${encodeURIComponent(rollout.id)}`);
                    }}
                  >
                    {rollout.firmware.model} {rollout.firmware.version}
                  </a>
                </td>
                <td>{STATE_LABELS[rollout.state]}</td>
                <td>
                  {rollout.counts.done} of {rollout.counts.total} done
                  {rollout.counts.failed > 0 && `, ${rollout.counts.failed} failed`}
                </td>
                <td>{formatDateTime(rollout.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** One rollout, live: the overall bar and each device's step and download (issue 19). */
export function RolloutPage(props: { rolloutId: string }) {
  const [rollout, setRollout] = useState<Rollout | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    rolloutsApi
      .get(props.rolloutId)
      .then(setRollout, (failure: unknown) =>
        setError(failure instanceof ApiError ? failure : null),
      );
  }, [props.rolloutId]);
  useEffect(load, [load]);
  const later = useThrottled(load);
  useLiveEvents({
    onDevice: (event) => {
      if (rollout?.devices.some((device) => device.serialNumber === event.serialNumber)) later();
    },
    onReconnect: load,
    onClosed: () => {},
  });

  async function cancel() {
    setBusy(true);
    try {
      setRollout(await rolloutsApi.cancel(props.rolloutId));
    } catch (failure) {
      if (failure instanceof ApiError) setError(failure);
      else throw failure;
    } finally {
      setBusy(false);
    }
  }

  if (rollout === null) {
    return (
      <main id="content">
        <h1>Firmware rollout</h1>
        {error ? <FormError error={error} /> : <p role="status">Loading the rollout…</p>}
      </main>
    );
  }
  const share = finishedShare(rollout.counts);
  return (
    <main id="content">
      <h1>
        Firmware {rollout.firmware.model} {rollout.firmware.version}
      </h1>
      <FormError error={error} />
      <p>
        <strong data-testid="rollout-state">{STATE_LABELS[rollout.state]}</strong>
        {rollout.reason && <> · {rollout.reason}</>} · {rollout.concurrency} at a time · stops when
        more than {rollout.stopWhenFailedPercent} % fail · started{' '}
        {formatDateTime(rollout.createdAt)}
      </p>
      <div className="field">
        <Bar value={share} label="Devices finished" />{' '}
        <span role="status">
          {rollout.counts.done} of {rollout.counts.total} done, {rollout.counts.inProgress}{' '}
          updating, {rollout.counts.pending} waiting, {rollout.counts.failed} failed
        </span>
      </div>
      {rollout.state === 'running' && (
        <div className="actions">
          <button type="button" className="danger" disabled={busy} onClick={() => void cancel()}>
            Cancel rollout
          </button>
        </div>
      )}
      <table aria-label="Devices of the rollout">
        <thead>
          <tr>
            <th scope="col">Serial number</th>
            <th scope="col">Step</th>
            <th scope="col">Download</th>
            <th scope="col">Before</th>
          </tr>
        </thead>
        <tbody>
          {rollout.devices.map((device) => (
            <tr key={device.serialNumber} data-serial={device.serialNumber}>
              <td>
                <a
                  href={`/devices/${encodeURIComponent(device.serialNumber)}`}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(`/devices/${encodeURIComponent(device.serialNumber)}`);
                  }}
                >
                  {device.serialNumber}
                </a>
              </td>
              <td data-testid="step">
                {STEP_LABELS[device.step] ?? device.step}
                {device.error && <div className="muted">{device.error}</div>}
              </td>
              <td>
                {device.percent !== undefined && (
                  <Bar value={device.percent} label={`Download of ${device.serialNumber}`} />
                )}
              </td>
              <td>{device.fromVersion ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
