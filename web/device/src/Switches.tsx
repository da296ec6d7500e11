import { useState } from 'react';
import { api, type SwitchView } from './api.ts';
import { Page, useAction, usePolling } from './ui.tsx';

function stateLabel(s: SwitchView): string {
  if (s.locked) return 'Locked';
  if (s.held) return 'Held';
  return s.active ? 'On' : 'Off';
}

/** Hardware → Switches: state (live), on/off setting, and a test trigger. */
export function Switches() {
  const [switches, setSwitches] = useState<SwitchView[] | null>(null);
  const load = async () => {
    try {
      setSwitches((await api<{ switches: SwitchView[] }>('GET', 'switches')).switches);
    } catch (caught) {
      fail(caught);
    }
  };
  const { run: act, fail, notices } = useAction(load);
  usePolling(load, 1000);

  return (
    <Page title="Switches" intro="The relays (door locks); the state is updated every second.">
      {notices}
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
