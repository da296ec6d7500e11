import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkPeer, HANGUP_REASONS, type HangupReason } from '../calls.service.ts';
import type { Device } from '../device.ts';
import { DeviceError } from '../device.errors.ts';
import type { CredentialResult } from '../front-panel.service.ts';
import { html, type Html } from './html.ts';
import { BASE, csrfInput, field, noticeBox, type Notice } from './layout.ts';

/** What the classic interface's guard hands a handler (a session, CSRF already checked). */
export interface ClassicContext {
  request: FastifyRequest;
  reply: FastifyReply;
}
export type ClassicGuard = (
  handler: (ctx: ClassicContext) => unknown,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const ACTION = `${BASE}/front-panel`;
const HOME = `${BASE}/`;
const ANCHOR = '#front-panel';
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/**
 * Results after a redirect (Post/Redirect/Get): the query names one, the text is fixed here so
 * that a link cannot put words on the page.
 */
const RESULTS: Record<string, Notice> = {
  granted: { kind: 'success', text: 'Access granted: the switch opened.' },
  'granted-closed': {
    kind: 'success',
    text: 'Access granted, but the granted switch is disabled and did not move.',
  },
  refused: { kind: 'error', text: 'Access refused: the code or card is not valid here.' },
  limited: {
    kind: 'error',
    text: 'Access refused: too many failed attempts, the access point is blocked for 30 seconds.',
  },
  key: { kind: 'info', text: 'The key was pressed.' },
  calling: { kind: 'info', text: 'The call button was pressed; the call is ringing.' },
  door: { kind: 'info', text: 'The door contact changed.' },
  tamper: { kind: 'info', text: 'The tamper switch changed.' },
  motion: { kind: 'info', text: 'The motion sensor changed.' },
  call: { kind: 'info', text: 'The call changed.' },
  incoming: { kind: 'info', text: 'A remote party is calling the intercom; answer it below.' },
};

const FIELD_ERRORS: Record<string, string> = {
  code: 'Type 1 to 16 digits.',
  uid: 'Give the card id as 1 to 32 letters or digits.',
  key: 'Press one of the keypad keys.',
  button: 'That call button has no directory user with a number.',
  accessPoint: 'Choose the entry or the exit reader.',
  from: 'Give the caller as a phone number or SIP URI without spaces.',
  session: 'That call has ended or cannot do this now.',
  reason: 'Choose how the call ends.',
};

function resultKey(outcome: CredentialResult): string {
  if (outcome.accessLimitedFor !== undefined) return 'limited';
  if (!outcome.valid) return 'refused';
  return outcome.switches.length > 0 ? 'granted' : 'granted-closed';
}

/** The notice for the Home page's panel, from the redirect's query. */
function panelNotice(query: unknown): Notice | null {
  const q = (query ?? {}) as Record<string, unknown>;
  if (typeof q.panel === 'string' && RESULTS[q.panel]) return RESULTS[q.panel]!;
  if (typeof q['panel-error'] === 'string' && FIELD_ERRORS[q['panel-error']]) {
    return { kind: 'error', text: `Refused: ${FIELD_ERRORS[q['panel-error']]}` };
  }
  return null;
}

const accessPointSelect = (id: string) =>
  html`<div class="field">
    <label for="${id}">Reader</label>
    <select id="${id}" name="accessPoint">
      <option value="1">Entry (access point 1)</option>
      <option value="2">Exit (access point 2)</option>
    </select>
  </div>`;

const postButton = (
  action: string,
  csrfToken: string,
  label: string,
  hidden: Record<string, string> = {},
) =>
  html`<form method="post" action="${action}">
    ${csrfInput(csrfToken)}
    ${Object.entries(hidden).map(
      ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
    )}
    <button type="submit">${label}</button>
  </form>`;

function callsTable(device: Device, csrfToken: string): Html {
  const sessions = device.calls.status();
  if (sessions.length === 0) return html`<p>No call is active.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>Call</th>
        <th>Direction</th>
        <th>State</th>
        <th>Peer</th>
        <th>Actions</th>
      </tr>
    </thead>
    <tbody>
      ${sessions.map((s) => {
        const session = String(s.session);
        const ringing = s.state === 'ringing';
        return html`<tr>
          <td>${s.session}</td>
          <td>${s.direction}</td>
          <td>${s.state}</td>
          <td>${s.calls.map((c) => c.peer).join(', ')}</td>
          <td class="actions">
            ${
              ringing && s.direction === 'incoming'
                ? postButton(`${ACTION}/calls/answer`, csrfToken, 'Answer (intercom)', { session })
                : ''
            }
            ${
              ringing && s.direction === 'outgoing'
                ? postButton(`${ACTION}/calls/remote-answer`, csrfToken, 'Answer (remote party)', {
                    session,
                  })
                : ''
            }
            ${
              ringing
                ? postButton(`${ACTION}/calls/hangup`, csrfToken, 'Reject (remote party)', {
                    session,
                    reason: 'rejected',
                  })
                : ''
            }
            ${postButton(`${ACTION}/calls/hangup`, csrfToken, 'Hang up', { session })}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** The front panel on the classic Home page: plain forms, no script needed. */
export function frontPanelSection(device: Device, csrfToken: string, query: unknown): Html {
  const panel = device.frontPanel.status();
  const toggle = (what: 'door' | 'tamper' | 'motion', on: boolean, labels: [string, string]) =>
    postButton(`${ACTION}/${what}`, csrfToken, on ? labels[1] : labels[0], {
      state: on ? 'off' : 'on',
    });
  return html`<section id="front-panel" aria-labelledby="front-panel-heading">
    <h2 id="front-panel-heading">Front panel</h2>
    <p>
      What a person at the door does. Each action raises the events the HTTP API's log/pull reports.
    </p>
    ${noticeBox(panelNotice(query))}
    <h3>Call buttons</h3>
    ${
      panel.buttons.length === 0
        ? html`<p>No call button: add a directory user with a number to call.</p>`
        : html`<div class="actions">
            ${panel.buttons.map((b) =>
              postButton(`${ACTION}/button`, csrfToken, `${b.key} Call ${b.name}`, {
                button: String(b.button),
              }),
            )}
          </div>`
    }
    <h3>Keypad</h3>
    <form method="post" action="${ACTION}/keypad" novalidate>
      ${csrfInput(csrfToken)}
      ${field({
        id: 'panel-code',
        name: 'code',
        label: 'Code',
        hint: 'A user PIN or a switch code; it is typed key by key, then confirmed.',
        extra: html`inputmode="numeric" maxlength="16"`,
      })}
      ${accessPointSelect('panel-code-ap')}
      <div class="actions"><button type="submit" class="primary">Enter code</button></div>
    </form>
    <form method="post" action="${ACTION}/key" aria-label="Single keys">
      ${csrfInput(csrfToken)}
      <div class="actions">
        ${KEYS.map((key) => html`<button type="submit" name="key" value="${key}">${key}</button>`)}
      </div>
    </form>
    <h3>Card reader</h3>
    <form method="post" action="${ACTION}/card" novalidate>
      ${csrfInput(csrfToken)}
      ${field({ id: 'panel-card', name: 'uid', label: 'Card id', extra: html`maxlength="32"` })}
      ${accessPointSelect('panel-card-ap')}
      <div class="actions"><button type="submit" class="primary">Present card</button></div>
    </form>
    <h3>Door, tamper and motion</h3>
    <p>
      The door is <strong>${panel.door}</strong>; the tamper switch is
      <strong>${panel.tamper ? 'tripped' : 'at rest'}</strong>; motion is
      <strong>${panel.motion ? 'detected' : 'not detected'}</strong>.
    </p>
    <div class="actions">
      ${toggle('door', panel.door === 'opened', ['Open the door', 'Close the door'])}
      ${toggle('tamper', panel.tamper, ['Trip the tamper switch', 'Restore the tamper switch'])}
      ${toggle('motion', panel.motion, ['Start motion', 'Stop motion'])}
    </div>
    <h3>Calls</h3>
    ${callsTable(device, csrfToken)}
    <form method="post" action="${ACTION}/calls/incoming" novalidate>
      ${csrfInput(csrfToken)}
      ${field({
        id: 'panel-from',
        name: 'from',
        label: 'Incoming call from',
        value: 'sip:concierge@10.0.0.5',
      })}
      <div class="actions"><button type="submit">Call the intercom</button></div>
    </form>
    <h3>Recent events</h3>
    ${
      panel.recentEvents.length === 0
        ? html`<p>No front panel event yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Event</th>
                <th>Parameters</th>
              </tr>
            </thead>
            <tbody>
              ${panel.recentEvents.map(
                (e) =>
                  html`<tr>
                    <td>${e.event}</td>
                    <td>
                      ${Object.entries(e.params)
                        .map(([k, v]) => `${k}=${String(v)}`)
                        .join(', ')}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

type Form = Record<string, unknown>;
const text = (body: unknown, name: string): string => {
  const value = (body as Form | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};
const accessPointOf = (body: unknown) => (text(body, 'accessPoint') === '2' ? 2 : 1);
const numberOf = (body: unknown, name: string) => {
  const raw = text(body, name);
  if (!/^\d{1,10}$/.test(raw)) throw new DeviceError(12, `Give the ${name}.`, name);
  return Number(raw);
};

/** The panel's POST routes; each redirects back to Home with its result. */
export function registerFrontPanelClassic(
  app: FastifyInstance,
  device: Device,
  guard: ClassicGuard,
): void {
  const panel = device.frontPanel;
  const back = (reply: FastifyReply, result: string) =>
    reply
      .code(303)
      .header('Location', `${HOME}?panel=${result}${ANCHOR}`)
      .header('Cache-Control', 'no-store')
      .send();

  const route = (path: string, act: (body: unknown) => string) =>
    app.post(
      `${ACTION}/${path}`,
      guard(({ request, reply }) => {
        try {
          return back(reply, act(request.body));
        } catch (error) {
          if (!(error instanceof DeviceError)) throw error;
          return reply
            .code(303)
            .header(
              'Location',
              `${HOME}?panel-error=${encodeURIComponent(error.param ?? '')}${ANCHOR}`,
            )
            .header('Cache-Control', 'no-store')
            .send();
        }
      }),
    );

  route('keypad', (body) => resultKey(panel.enterCode(text(body, 'code'), accessPointOf(body))));
  route('card', (body) => resultKey(panel.presentCard(text(body, 'uid'), accessPointOf(body))));
  route('key', (body) => {
    panel.pressKey(text(body, 'key'));
    return 'key';
  });
  route('button', (body) => {
    panel.pressButton(numberOf(body, 'button'));
    return 'calling';
  });
  route('door', (body) => {
    panel.setDoor(text(body, 'state') === 'on');
    return 'door';
  });
  route('tamper', (body) => {
    panel.setTamper(text(body, 'state') === 'on');
    return 'tamper';
  });
  route('motion', (body) => {
    panel.setMotion(text(body, 'state') === 'on');
    return 'motion';
  });
  route('calls/incoming', (body) => {
    device.calls.incoming(checkPeer(text(body, 'from'), 'from'));
    return 'incoming';
  });
  route('calls/answer', (body) => {
    device.calls.answer(numberOf(body, 'session'));
    return 'call';
  });
  route('calls/remote-answer', (body) => {
    device.calls.remoteAnswer(numberOf(body, 'session'));
    return 'call';
  });
  route('calls/hangup', (body) => {
    const reason = text(body, 'reason') || 'normal';
    if (!(HANGUP_REASONS as readonly string[]).includes(reason)) {
      throw new DeviceError(12, 'Choose how the call ends.', 'reason');
    }
    device.calls.hangup(numberOf(body, 'session'), reason as HangupReason);
    return 'call';
  });
}
