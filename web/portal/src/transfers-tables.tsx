import { formatDateTime } from './format.ts';
import {
  deviceLine,
  expiresIn,
  offerSummary,
  REQUEST_STATES,
  requesterText,
  TRANSFER_STATES,
} from './transfers-text.ts';
import type { Transfer, TransferRequest } from './transfers.api.ts';

/** The answer a row's button asks for; the page confirms it in a dialog. */
export type Answer =
  | { kind: 'accept'; transfer: Transfer }
  | { kind: 'reject'; transfer: Transfer }
  | { kind: 'cancel'; transfer: Transfer }
  | { kind: 'approve'; request: TransferRequest }
  | { kind: 'decline'; request: TransferRequest };

/*
 * The four lists of the Transfers page (issue 18), as tables that become cards on a phone.
 */

/** The devices of an offer (and the site, when it is offered whole). */
function OfferContents({ transfer }: { transfer: Transfer }) {
  return (
    <>
      <strong>{offerSummary(transfer)}</strong>
      {transfer.devices.length > 0 && (
        <ul className="plain offer-devices">
          {transfer.devices.map((device) => (
            <li key={device.serialNumber}>{deviceLine(device)}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The state of an offer or request, with why it ended and when. */
function StateCell(props: {
  label: string;
  state: string;
  reason: string | null | undefined;
  answeredAt: string | null;
  expiresAt: string;
}) {
  // Why it ended without an answer, in the cloud's sentence ("Device … was added to another
  // account with a new security code generated on the device.").
  const { reason } = props;
  return (
    <td data-label="State">
      <span className={`transfer-state state-${props.state}`}>{props.label}</span>
      {props.state === 'pending' ? (
        <span className="muted">
          {' '}
          · expires{' '}
          <time dateTime={props.expiresAt} title={formatDateTime(props.expiresAt)}>
            {expiresIn(props.expiresAt)}
          </time>
        </span>
      ) : (
        props.answeredAt && (
          <span className="muted">
            {' '}
            · <time dateTime={props.answeredAt}>{formatDateTime(props.answeredAt)}</time>
          </span>
        )
      )}
      {reason && <p className="muted">{reason}</p>}
    </td>
  );
}

export function ReceivedOffers(props: {
  items: Transfer[];
  isAdmin: boolean;
  onAnswer: (answer: Answer) => void;
}) {
  const { items, isAdmin, onAnswer } = props;
  const waiting = items.some((t) => t.state === 'pending');
  return (
    <section aria-labelledby="received-offers-title">
      <h2 id="received-offers-title">Received offers</h2>
      {items.length === 0 ? (
        <p>No company has offered your company devices or a site.</p>
      ) : (
        <>
          {waiting && !isAdmin && (
            <p className="notice">Only the company’s admins can accept or reject an offer.</p>
          )}
          <table className="stack">
            <caption className="visually-hidden">Offers received, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Offer</th>
                <th scope="col">From</th>
                <th scope="col">Sent</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((transfer) => (
                <tr key={transfer.id}>
                  <th scope="row" data-label="Offer">
                    <OfferContents transfer={transfer} />
                  </th>
                  <td data-label="From">
                    {transfer.fromCompany.name}
                    <span className="muted"> · to {transfer.toEmail}</span>
                  </td>
                  <td data-label="Sent">
                    <time dateTime={transfer.createdAt}>{formatDateTime(transfer.createdAt)}</time>
                  </td>
                  <StateCell
                    label={TRANSFER_STATES[transfer.state] ?? transfer.state}
                    state={transfer.state}
                    reason={transfer.reason}
                    answeredAt={transfer.answeredAt}
                    expiresAt={transfer.expiresAt}
                  />
                  <td className="row-actions">
                    {transfer.state === 'pending' && isAdmin && (
                      <>
                        <button
                          type="button"
                          className="primary"
                          onClick={() => onAnswer({ kind: 'accept', transfer })}
                        >
                          Accept…
                          <span className="visually-hidden">
                            {' '}
                            the offer of {transfer.fromCompany.name}
                          </span>
                        </button>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => onAnswer({ kind: 'reject', transfer })}
                        >
                          Reject
                          <span className="visually-hidden">
                            {' '}
                            the offer of {transfer.fromCompany.name}
                          </span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function MadeOffers(props: { items: Transfer[]; onAnswer: (answer: Answer) => void }) {
  const { items, onAnswer } = props;
  return (
    <section aria-labelledby="made-offers-title">
      <h2 id="made-offers-title">Offers you made</h2>
      {items.length === 0 ? (
        <p>Your company has offered nothing. Offer devices or a whole site from the site’s page.</p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">Offers made, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Offer</th>
              <th scope="col">To</th>
              <th scope="col">Sent</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((transfer) => (
              <tr key={transfer.id}>
                <th scope="row" data-label="Offer">
                  <OfferContents transfer={transfer} />
                </th>
                <td data-label="To">
                  {transfer.toEmail}
                  <span className="muted"> · {transfer.toCompany.name}</span>
                </td>
                <td data-label="Sent">
                  <time dateTime={transfer.createdAt}>{formatDateTime(transfer.createdAt)}</time>
                </td>
                <StateCell
                  label={TRANSFER_STATES[transfer.state] ?? transfer.state}
                  state={transfer.state}
                  reason={transfer.reason}
                  answeredAt={transfer.answeredAt}
                  expiresAt={transfer.expiresAt}
                />
                <td className="row-actions">
                  {transfer.state === 'pending' && (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => onAnswer({ kind: 'cancel', transfer })}
                    >
                      Cancel
                      <span className="visually-hidden"> the offer to {transfer.toEmail}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function AskedRequests(props: {
  items: TransferRequest[];
  onAnswer: (answer: Answer) => void;
}) {
  const { items, onAnswer } = props;
  return (
    <section aria-labelledby="asked-requests-title">
      <h2 id="asked-requests-title">Requests to release your devices</h2>
      {items.length === 0 ? (
        <p>Nobody has asked your company to release a device.</p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">
            Requests to release your devices, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Site</th>
              <th scope="col">Asked by</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((request) => (
              <tr key={request.id}>
                <th scope="row" data-label="Device">
                  <span className="code">{request.serialNumber}</span>
                  <span className="device-name">{request.model}</span>
                </th>
                <td data-label="Site">{request.site.name}</td>
                <td data-label="Asked by">
                  {requesterText(request)}
                  <span className="muted">
                    {' '}
                    · <time dateTime={request.createdAt}>{formatDateTime(request.createdAt)}</time>
                  </span>
                </td>
                <StateCell
                  label={REQUEST_STATES[request.state] ?? request.state}
                  state={request.state}
                  reason={request.reason}
                  answeredAt={request.answeredAt}
                  expiresAt={request.expiresAt}
                />
                <td className="row-actions">
                  {request.state === 'pending' && (
                    <>
                      <button
                        type="button"
                        className="primary"
                        onClick={() => onAnswer({ kind: 'approve', request })}
                      >
                        Approve
                        <span className="visually-hidden">
                          {' '}
                          the request for {request.serialNumber}
                        </span>
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => onAnswer({ kind: 'decline', request })}
                      >
                        Decline
                        <span className="visually-hidden">
                          {' '}
                          the request for {request.serialNumber}
                        </span>
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function SentRequests({ items }: { items: TransferRequest[] }) {
  return (
    <section aria-labelledby="sent-requests-title">
      <h2 id="sent-requests-title">Your requests</h2>
      {items.length === 0 ? (
        <p>
          Your company has asked nobody to release a device. When adding a device answers that it is
          already added, you can ask its owner from there.
        </p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">
            Your requests to release devices, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">For your site</th>
              <th scope="col">Sent</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {items.map((request) => (
              <tr key={request.id}>
                <th scope="row" data-label="Device">
                  <span className="code">{request.serialNumber}</span>
                  <span className="device-name">{request.model}</span>
                </th>
                <td data-label="For your site">{request.site.name}</td>
                <td data-label="Sent">
                  <time dateTime={request.createdAt}>{formatDateTime(request.createdAt)}</time>
                </td>
                <StateCell
                  label={REQUEST_STATES[request.state] ?? request.state}
                  state={request.state}
                  reason={request.reason}
                  answeredAt={request.answeredAt}
                  expiresAt={request.expiresAt}
                />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
