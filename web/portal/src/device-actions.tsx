import { useState, type FormEvent } from 'react';
import { api, ApiError, type Device, type DeviceAction } from './api.ts';
import { Dialog } from './dialog.tsx';
import { FieldMessage, FormError } from './form-error.tsx';

/** The switches of a device (2N: up to 4; SWITCHES_PER_DEVICE in the cloud). */
const SWITCHES = [1, 2, 3, 4] as const;

const ACTION_LABELS: Record<DeviceAction, string> = {
  'open-door': 'Open door',
  restart: 'Restart',
  'report-state': 'Ask for its state',
};

/** The device's answer in a sentence where the portal knows its shape, else as it came. */
function describeAnswer(action: DeviceAction, answer: unknown, sw: number): string {
  if (action === 'open-door') {
    const opened =
      answer && typeof answer === 'object' && 'switch' in answer ? Number(answer.switch) : sw;
    return `The device opened switch ${opened}.`;
  }
  if (action === 'restart') return 'The device is restarting.';
  return 'The device answered with its state.';
}

interface Outcome {
  text: string;
  answer?: unknown;
}

/**
 * One device's actions (issue 17): open a door (switch 1–4), restart, ask for its state, each
 * with the device's answer or why there was none (offline, no answer in time, refused); and
 * the device's name.
 */
export function DeviceActionsDialog(props: {
  siteId: string;
  device: Device;
  onRenamed: () => void;
  onClose: () => void;
}) {
  const { siteId, device, onRenamed, onClose } = props;
  const [sw, setSw] = useState(1);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [name, setName] = useState(device.name ?? '');
  const [nameError, setNameError] = useState<ApiError | null>(null);
  const [renamed, setRenamed] = useState(false);

  async function run(action: DeviceAction) {
    setBusy(true);
    setOutcome(null);
    setError(null);
    try {
      const result = await api.deviceAction(
        siteId,
        device.serialNumber,
        action,
        action === 'open-door' ? sw : undefined,
      );
      setOutcome({ text: describeAnswer(action, result.answer, sw), answer: result.answer });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function rename(event: FormEvent) {
    event.preventDefault();
    setNameError(null);
    setRenamed(false);
    try {
      await api.updateDevice(siteId, device.serialNumber, { name: name.trim() || null });
      setRenamed(true);
      onRenamed();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setNameError(caught);
    }
  }

  const nameMessage = nameError?.field('name');
  return (
    <Dialog title={`Device ${device.serialNumber}`} onClose={onClose}>
      <form onSubmit={rename} className="inline-form" aria-label="Device name" noValidate>
        <div className="field">
          <label htmlFor="device-name">Name</label>
          <input
            id="device-name"
            value={name}
            maxLength={64}
            placeholder="Main entrance"
            aria-invalid={nameMessage ? true : undefined}
            aria-describedby={nameMessage ? 'device-name-error' : undefined}
            onChange={(event) => setName(event.target.value)}
          />
          <FieldMessage id="device-name-error" message={nameMessage} />
        </div>
        <button type="submit">Save name</button>
      </form>
      {renamed && <p role="status">The name was saved.</p>}
      {nameError && !nameMessage && <FormError error={nameError} />}

      <h3>Actions</h3>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="action-switch">Switch</label>
          <select
            id="action-switch"
            value={sw}
            onChange={(event) => setSw(Number(event.target.value))}
          >
            {SWITCHES.map((n) => (
              <option key={n} value={n}>
                Switch {n}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => void run('open-door')}
        >
          {ACTION_LABELS['open-door']}
        </button>
      </div>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void run('restart')}>
          {ACTION_LABELS.restart}
        </button>
        <button type="button" disabled={busy} onClick={() => void run('report-state')}>
          {ACTION_LABELS['report-state']}
        </button>
      </div>
      {busy && <p role="status">Waiting for the device…</p>}
      {outcome && (
        <div role="status" className="device-answer">
          <p>{outcome.text}</p>
          {outcome.answer !== undefined && outcome.answer !== null && (
            <pre aria-label="The device's answer">{JSON.stringify(outcome.answer, null, 2)}</pre>
          )}
        </div>
      )}
      <FormError error={error} />
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
