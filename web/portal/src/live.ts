import { useEffect, useRef } from 'react';

/**
 * Follows GET /api/events (Server-Sent Events): calls `onDevice` for every device event, and
 * `onReconnect` when the stream (re)opens, so that what was missed meanwhile is loaded again.
 * When the stream is refused (session ended) `onClosed` is called.
 */
export function useLiveEvents(handlers: {
  onDevice: (event: { serialNumber: string; siteId: string }) => void;
  /** Issue 20: a webhook endpoint or its delivery log changed (company admins' streams). */
  onWebhook?: (event: { endpointId: string | null }) => void;
  onReconnect: () => void;
  onClosed: () => void;
}) {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let opened = false;
    const connect = () => {
      source = new EventSource('/api/events');
      source.addEventListener('open', () => {
        if (opened) ref.current.onReconnect();
        opened = true;
      });
      source.addEventListener('device', (event) => {
        try {
          ref.current.onDevice(JSON.parse((event as MessageEvent<string>).data));
        } catch {
          // A malformed event is skipped; the next one or a reconnect brings the state.
        }
      });
      source.addEventListener('webhook', (event) => {
        try {
          ref.current.onWebhook?.(JSON.parse((event as MessageEvent<string>).data));
        } catch {
          // As above: the next event or a reconnect brings the state.
        }
      });
      source.addEventListener('error', () => {
        if (source?.readyState === EventSource.CLOSED) {
          // Refused (401) or the server went away: check the session, then try again later.
          ref.current.onClosed();
          retry = window.setTimeout(() => {
            opened = true;
            connect();
          }, 5000);
        }
      });
    };
    connect();
    return () => {
      window.clearTimeout(retry);
      source?.close();
    };
  }, []);
}
