import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from './api.ts';
import { FormError } from './form-error.tsx';
import { formatDateTime } from './format.ts';
import { useLiveEvents } from './live.ts';
import {
  WEBHOOK_EVENT_TYPES,
  webhooksApi,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from './webhooks.api.ts';

const EVENT_LABELS: Record<WebhookEventType, string> = {
  'device.added': 'Device added',
  'device.moved-away': 'Device moved away',
  'device.deleted': 'Device deleted',
  'device.online': 'Device online',
  'device.offline': 'Device offline',
  'device.code-regenerated': 'Security code regenerated',
  'transfer.offered': 'Transfer offered',
  'transfer.accepted': 'Transfer accepted',
  'access.granted': 'Access granted',
  'access.refused': 'Access refused',
  'rollout.finished': 'Rollout finished',
};

const STATE_LABELS: Record<WebhookDelivery['state'], string> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed',
};

const asApiError = (failure: unknown) => (failure instanceof ApiError ? failure : null);

/** The kinds as checkboxes, in the order of the catalogue. */
function EventChoice(props: {
  legend: string;
  chosen: Set<WebhookEventType>;
  onChange: (chosen: Set<WebhookEventType>) => void;
}) {
  return (
    <fieldset className="webhook-events">
      <legend>{props.legend}</legend>
      {WEBHOOK_EVENT_TYPES.map((type) => (
        <label key={type}>
          <input
            type="checkbox"
            checked={props.chosen.has(type)}
            onChange={(event) => {
              const next = new Set(props.chosen);
              if (event.target.checked) next.add(type);
              else next.delete(type);
              props.onChange(next);
            }}
          />{' '}
          {EVENT_LABELS[type]} <code className="muted">{type}</code>
        </label>
      ))}
    </fieldset>
  );
}

function AddEndpoint(props: { onAdded: () => void }) {
  const [url, setUrl] = useState('');
  const [chosen, setChosen] = useState<Set<WebhookEventType>>(new Set(['device.added']));
  const [error, setError] = useState<ApiError | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const made = await webhooksApi.create({ url, events: [...chosen] });
      setSecret(made.secret);
      setUrl('');
      props.onAdded();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="add-webhook">
      <h2 id="add-webhook">Add an endpoint</h2>
      {secret && (
        <div className="notice" role="status" aria-label="Signing secret">
          <p>
            The signing secret of the new endpoint. It is shown only now: keep it where your
            receiver checks the <code>Latchkey-Signature</code> header.
          </p>
          <p>
            <code data-testid="webhook-secret">{secret}</code>
          </p>
          <button type="button" className="link" onClick={() => setSecret(null)}>
            I have kept it
          </button>
        </div>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <FormError error={error} />
        <div className="field">
          <label htmlFor="webhook-url">Endpoint URL</label>
          <input
            id="webhook-url"
            type="url"
            required
            maxLength={2048}
            placeholder="https://hooks.example.com/latchkey"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
        <EventChoice legend="Events to send" chosen={chosen} onChange={setChosen} />
        <button type="submit" disabled={busy || chosen.size === 0}>
          Add endpoint
        </button>
      </form>
    </section>
  );
}

function DeliveryLog(props: { endpoint: WebhookEndpoint; refreshKey: number }) {
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const { id } = props.endpoint;
  const load = useCallback(() => {
    webhooksApi.deliveries(id).then(
      (page) => setItems(page.items),
      (failure: unknown) => setError(asApiError(failure)),
    );
  }, [id]);
  useEffect(load, [load, props.refreshKey]);
  async function resend(deliveryId: string) {
    try {
      await webhooksApi.resend(id, deliveryId);
      load();
    } catch (failure) {
      setError(asApiError(failure));
    }
  }
  return (
    <>
      <FormError error={error} />
      {items === null ? (
        <p role="status">Loading deliveries…</p>
      ) : items.length === 0 ? (
        <p className="muted">No delivery yet.</p>
      ) : (
        <table className="stack" aria-label={`Deliveries to ${props.endpoint.url}`}>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Next try</th>
              <th scope="col">Queued</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <tr key={delivery.id}>
                <td data-label="Event">
                  <code>{delivery.type}</code>
                </td>
                <td data-label="Status">{STATE_LABELS[delivery.state]}</td>
                <td data-label="Attempts">{delivery.attempts}</td>
                <td data-label="Last answer">
                  {delivery.lastStatus !== null
                    ? `HTTP ${delivery.lastStatus}`
                    : (delivery.lastError ?? '—')}
                </td>
                <td data-label="Next try">
                  {delivery.nextAttemptAt ? formatDateTime(delivery.nextAttemptAt) : '—'}
                </td>
                <td data-label="Queued">{formatDateTime(delivery.createdAt)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => void resend(delivery.id)}>
                    Resend<span className="visually-hidden"> {delivery.type}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function EndpointCard(props: {
  endpoint: WebhookEndpoint;
  refreshKey: number;
  onChanged: () => void;
}) {
  const { endpoint } = props;
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState(endpoint.url);
  const [chosen, setChosen] = useState(new Set(endpoint.events));
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      props.onChanged();
    } catch (failure) {
      setError(asApiError(failure));
    }
  };
  return (
    <section className="card webhook" aria-label={`Endpoint ${endpoint.url}`}>
      <h2>
        <code>{endpoint.url}</code>
      </h2>
      <p>
        {endpoint.enabled ? 'Enabled' : `Disabled: ${endpoint.disabledReason ?? ''}`} ·{' '}
        {endpoint.events.map((type) => EVENT_LABELS[type] ?? type).join(', ')}
      </p>
      <FormError error={error} />
      {editing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void act(async () => {
              await webhooksApi.update(endpoint.id, { url, events: [...chosen] });
              setEditing(false);
            });
          }}
        >
          <div className="field">
            <label htmlFor={`url-${endpoint.id}`}>Endpoint URL</label>
            <input
              id={`url-${endpoint.id}`}
              type="url"
              required
              maxLength={2048}
              value={url}
              onChange={(event) => setUrl(event.target.value)}
            />
          </div>
          <EventChoice legend="Events to send" chosen={chosen} onChange={setChosen} />
          <button type="submit" disabled={chosen.size === 0}>
            Save
          </button>{' '}
          <button type="button" className="link" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <p className="row-actions">
          <button type="button" onClick={() => void act(() => webhooksApi.test(endpoint.id))}>
            Send test event
          </button>{' '}
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>{' '}
          <button
            type="button"
            onClick={() =>
              void act(() => webhooksApi.update(endpoint.id, { enabled: !endpoint.enabled }))
            }
          >
            {endpoint.enabled ? 'Disable' : 'Enable'}
          </button>{' '}
          <button
            type="button"
            onClick={() => {
              if (window.confirm(`Delete the endpoint ${endpoint.url} and its delivery log?`)) {
                void act(() => webhooksApi.remove(endpoint.id));
              }
            }}
          >
            Delete
          </button>
        </p>
      )}
      <h3>Delivery log</h3>
      <DeliveryLog endpoint={endpoint} refreshKey={props.refreshKey} />
    </section>
  );
}

/** Issue 20: the company's webhook endpoints and their delivery logs (company admins), live. */
export function WebhooksPage() {
  const [items, setItems] = useState<WebhookEndpoint[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const load = useCallback(() => {
    webhooksApi.list().then(
      (list) => {
        setItems(list.items);
        setRefreshKey((n) => n + 1);
      },
      (failure: unknown) => setError(asApiError(failure)),
    );
  }, []);
  useEffect(load, [load]);
  // Deliveries change often while a receiver is down: reload at most every 300 ms.
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const later = useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      load();
    }, 300);
  }, [load]);
  useLiveEvents({ onDevice: () => {}, onWebhook: later, onReconnect: load, onClosed: () => {} });
  return (
    <main id="content">
      <h1>Webhooks</h1>
      <p className="muted">
        Endpoints your company&apos;s events are sent to, signed with HMAC-SHA256 in the{' '}
        <code>Latchkey-Signature</code> header.
      </p>
      <FormError error={error} />
      <AddEndpoint onAdded={load} />
      {items === null ? (
        <p role="status">Loading endpoints…</p>
      ) : items.length === 0 ? (
        <p className="muted">No endpoint yet.</p>
      ) : (
        items.map((endpoint) => (
          <EndpointCard
            key={`${endpoint.id}-${endpoint.updatedAt}`}
            endpoint={endpoint}
            refreshKey={refreshKey}
            onChanged={load}
          />
        ))
      )}
    </main>
  );
}
