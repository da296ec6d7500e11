import { useState } from 'react';
import { api, errorMessage, type SwitchView } from './api.ts';
import { Notice, Page, usePolling } from './ui.tsx';

function stateLabel(s: SwitchView): string {
  if (s.locked) return 'Locked';
  if (s.held) return 'Held';
  return s.active ? 'On' : 'Off';
}

/** Hardware → Switches: state (live), on/off setting, and a test trigger. */
export function Switches() {
  const [switches, setSwitches] = useState<SwitchView[] | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const load = async () => {
    try {
      setSwitches((await api<{ switches: SwitchView[] }>('GET', 'switches')).switches);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  usePolling(load, 1000);

  const act = async (work: () => Promise<void>, done: string) => {
    setError('');
    setMessage('');
    try {
      await work();
      setMessage(done);
      await load();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <Page title="Switches" intro="The relays (door locks); the state is updated every second.">
      <Notice kind="ok">{message}</Notice>
      <Notice kind="error">{error}</Notice>
      <div className="table-wrap">
        <table>
          <caption>Switches</caption>
          <thead>
            <tr>
              <th scope="col">Switch</th>
              <th scope="col">Enabled</th>
              <th scope="col">Mode</th>
              <th scope="col">State</th>
              <th scope="col">Test</th>
            </tr>
          </thead>
          <tbody>
            {(switches ?? []).map((s) => (
              <tr key={s.switch}>
                <th scope="row">Switch {s.switch}</th>
                <td>
                  <label className="inline">
                    <input
                      type="checkbox"
                      checked={s.enabled}
                      onChange={(e) => {
                        const enabled = e.target.checked;
                        // Shown at once; the next load shows what the device saved.
                        setSwitches((all) =>
                          (all ?? []).map((x) => (x.switch === s.switch ? { ...x, enabled } : x)),
                        );
                        void act(
                          () => api('PUT', `switches/${s.switch}`, { enabled }),
                          `Switch ${s.switch} ${enabled ? 'enabled' : 'disabled'}.`,
                        );
                      }}
                    />
                    <span className="sr-only">Switch {s.switch} enabled</span>
                  </label>
                </td>
                <td>
                  {s.mode === 'monostable' ? `Monostable, ${s.switchOnDuration} s` : 'Bistable'}
                </td>
                <td>
                  <span role="status" aria-label={`Switch ${s.switch} state`}>
                    {stateLabel(s)}
                  </span>
                </td>
                <td>
                  <button
                    type="button"
                    disabled={!s.enabled}
                    onClick={() =>
                      act(
                        () => api('POST', `switches/${s.switch}/trigger`),
                        `Switch ${s.switch} triggered.`,
                      )
                    }
                  >
                    Trigger switch {s.switch}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Page>
  );
}
