import { useState, type FormEvent } from 'react';
import { api, type CallSessionView, type CredentialResult, type FrontPanelView } from './api.ts';
import { Page, useAction, usePolling } from './ui.tsx';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

function outcome(result: CredentialResult): string {
  if (result.accessLimitedFor !== undefined)
    return `Access refused: too many failed attempts, the reader is blocked for ${result.accessLimitedFor} s.`;
  if (!result.valid) return 'Access refused: the code or card is not valid here.';
  const who = result.user ? ` for ${result.user}` : '';
  return result.switches.length > 0
    ? `Access granted${who}: switch ${result.switches.join(', ')} opened.`
    : `Access granted${who}, but the granted switch is disabled.`;
}

const params = (p: Record<string, string | number | boolean>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');

/**
 * Hardware → Front panel (emulator only): what a person at the door does — call buttons,
 * keypad, card reader, door contact, tamper switch, motion — and the remote party of a call.
 * Every action raises the events the HTTP API's log/pull reports.
 */
export function FrontPanel() {
  const [panel, setPanel] = useState<FrontPanelView | null>(null);
  const [code, setCode] = useState('');
  const [codeAp, setCodeAp] = useState('1');
  const [card, setCard] = useState('');
  const [cardAp, setCardAp] = useState('1');
  const [from, setFrom] = useState('sip:concierge@10.0.0.5');
  const [access, setAccess] = useState('');
  const load = async () => {
    try {
      setPanel(await api<FrontPanelView>('GET', 'front-panel'));
    } catch (caught) {
      fail(caught);
    }
  };
  const { run, fail, notices } = useAction(load);
  usePolling(load, 1000);

  const credential = (path: 'keypad' | 'card', body: object) => async () => {
    setAccess('');
    setAccess(outcome(await api<CredentialResult>('POST', `front-panel/${path}`, body)));
  };
  const enterCode = async (event: FormEvent) => {
    event.preventDefault();
    if (await run(credential('keypad', { code, accessPoint: Number(codeAp) }), 'Code entered.'))
      setCode('');
  };
  const presentCard = async (event: FormEvent) => {
    event.preventDefault();
    await run(credential('card', { uid: card, accessPoint: Number(cardAp) }), 'Card presented.');
  };
  const callIn = async (event: FormEvent) => {
    event.preventDefault();
    await run(
      () => api('POST', 'front-panel/calls/incoming', { from }),
      'A remote party is calling the intercom.',
    );
  };
  const post = (path: string, body: object | undefined, done: string) => {
    setAccess('');
    return run(() => api('POST', `front-panel/${path}`, body), done);
  };

  return (
    <Page
      title="Front panel"
      intro="What a person at the door does, for testing integrations without hardware. Every action raises the events /api/log/pull reports; the state is updated every second."
    >
      {notices}
      <div role="status" aria-label="Access result">
        {access ? <p className="notice notice-ok">{access}</p> : null}
      </div>

      <section className="card" aria-labelledby="buttons-title">
        <h2 id="buttons-title">Call buttons</h2>
        {panel && panel.buttons.length === 0 ? (
          <p>No call button: add a directory user with a number to call.</p>
        ) : null}
        <div className="actions">
          {(panel?.buttons ?? []).map((b) => (
            <button
              key={b.button}
              type="button"
              onClick={() =>
                post(`buttons/${b.button}/press`, undefined, `Calling ${b.name} (${b.peer}).`)
              }
            >
              {b.key} Call {b.name}
            </button>
          ))}
        </div>
      </section>

      <form className="card" onSubmit={enterCode} aria-labelledby="keypad-title">
        <h2 id="keypad-title">Keypad</h2>
        <label>
          Code
          <input
            value={code}
            inputMode="numeric"
            maxLength={16}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        <ReaderSelect value={codeAp} onChange={setCodeAp} />
        <div className="actions">
          <button type="submit" className="primary">
            Enter code
          </button>
        </div>
        <div className="actions" role="group" aria-label="Single keys">
          {KEYS.map((key) => (
            <button
              key={key}
              type="button"
              aria-label={`Key ${key}`}
              onClick={() => post('keys', { key }, `Key ${key} pressed.`)}
            >
              {key}
            </button>
          ))}
        </div>
      </form>

      <form className="card" onSubmit={presentCard} aria-labelledby="card-title">
        <h2 id="card-title">Card reader</h2>
        <label>
          Card id
          <input value={card} maxLength={32} onChange={(e) => setCard(e.target.value)} />
        </label>
        <ReaderSelect value={cardAp} onChange={setCardAp} />
        <div className="actions">
          <button type="submit" className="primary">
            Present card
          </button>
        </div>
      </form>

      <section className="card" aria-labelledby="contacts-title">
        <h2 id="contacts-title">Door, tamper and motion</h2>
        {panel ? (
          <p>
            The door is <strong>{panel.door}</strong>; the tamper switch is{' '}
            <strong>{panel.tamper ? 'tripped' : 'at rest'}</strong>; motion is{' '}
            <strong>{panel.motion ? 'detected' : 'not detected'}</strong>.
          </p>
        ) : null}
        <div className="actions">
          <button
            type="button"
            onClick={() =>
              post('door', { open: panel?.door !== 'opened' }, 'The door contact changed.')
            }
          >
            {panel?.door === 'opened' ? 'Close the door' : 'Open the door'}
          </button>
          <button
            type="button"
            onClick={() => post('tamper', { active: !panel?.tamper }, 'The tamper switch changed.')}
          >
            {panel?.tamper ? 'Restore the tamper switch' : 'Trip the tamper switch'}
          </button>
          <button
            type="button"
            onClick={() => post('motion', { active: !panel?.motion }, 'The motion sensor changed.')}
          >
            {panel?.motion ? 'Stop motion' : 'Start motion'}
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby="calls-title">
        <h2 id="calls-title">Calls</h2>
        <Calls sessions={panel?.calls ?? []} post={post} />
        <form onSubmit={callIn}>
          <label>
            Incoming call from
            <input value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <div className="actions">
            <button type="submit">Call the intercom</button>
          </div>
        </form>
      </section>

      <section className="card" aria-labelledby="events-title">
        <h2 id="events-title">Recent events</h2>
        {panel && panel.recentEvents.length === 0 ? <p>No front panel event yet.</p> : null}
        <ol aria-label="Recent events">
          {(panel?.recentEvents ?? []).map((e, index) => (
            <li key={`${e.utcTime}-${index}-${e.event}`}>
              <strong>{e.event}</strong> {params(e.params)}
            </li>
          ))}
        </ol>
      </section>
    </Page>
  );
}

function Calls(props: {
  sessions: CallSessionView[];
  post: (path: string, body: object | undefined, done: string) => Promise<boolean>;
}) {
  if (props.sessions.length === 0) return <p>No call is active.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption>Active calls</caption>
        <thead>
          <tr>
            <th scope="col">Call</th>
            <th scope="col">Direction</th>
            <th scope="col">State</th>
            <th scope="col">Peer</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.sessions.map((s) => {
            const ringing = s.state === 'ringing';
            return (
              <tr key={s.session}>
                <th scope="row">{s.session}</th>
                <td>{s.direction}</td>
                <td>
                  <span aria-label={`Call ${s.session} state`}>{s.state}</span>
                </td>
                <td>{s.calls.map((c) => c.peer).join(', ')}</td>
                <td className="row-actions">
                  {ringing && s.direction === 'incoming' ? (
                    <button
                      type="button"
                      onClick={() =>
                        props.post(`calls/${s.session}/pick-up`, {}, 'The intercom answered.')
                      }
                    >
                      Answer at the intercom
                    </button>
                  ) : null}
                  {ringing && s.direction === 'outgoing' ? (
                    <button
                      type="button"
                      onClick={() =>
                        props.post(`calls/${s.session}/answer`, {}, 'The remote party answered.')
                      }
                    >
                      Answer as remote party
                    </button>
                  ) : null}
                  {ringing ? (
                    <button
                      type="button"
                      onClick={() =>
                        props.post(
                          `calls/${s.session}/hangup`,
                          { reason: 'rejected' },
                          'The remote party rejected the call.',
                        )
                      }
                    >
                      Reject as remote party
                    </button>
                  ) : null}
                  <button
                    type="button"
                    onClick={() =>
                      props.post(`calls/${s.session}/hangup`, {}, 'The call was hung up.')
                    }
                  >
                    Hang up call {s.session}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Which reader a code or card is presented at: access point 1 (entry) or 2 (exit). */
function ReaderSelect({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Reader
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="1">Entry (access point 1)</option>
        <option value="2">Exit (access point 2)</option>
      </select>
    </label>
  );
}
