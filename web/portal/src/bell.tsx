import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { api, ApiError, type Notification } from './api.ts';
import { formatDateTime } from './format.ts';
import { NoBreak } from './no-break.tsx';

/**
 * The bell: a button whose name says how many notifications are unread (device moved away,
 * security code regenerated, factory reset), opening the list of them.
 */
export function Bell({ refreshKey, onNews }: { refreshKey: number; onNews: () => void }) {
  const [items, setItems] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const lastUnread = useRef<number | null>(null);
  const onNewsRef = useRef(onNews);
  onNewsRef.current = onNews;

  const load = useCallback(async () => {
    try {
      const page = await api.notifications();
      setItems(page.items);
      setUnread(page.unreadCount);
      // Something happened (a device moved away, a code was regenerated): pages reload.
      if (lastUnread.current !== null && page.unreadCount > lastUnread.current) onNewsRef.current();
      lastUnread.current = page.unreadCount;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), 10_000);
    return () => window.clearInterval(timer);
  }, [load, refreshKey]);

  async function markOneRead(id: string) {
    // Already read, or no longer the person's: the list shows it as the cloud has it.
    await api.markOneRead(id).catch(() => undefined);
    await load();
  }

  async function markAllRead() {
    await api.markRead().catch(() => undefined);
    await load();
  }

  const label = `Notifications, ${unread} unread`;
  return (
    <div className="bell">
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          if (!open) void load();
          setOpen(!open);
        }}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        {unread > 0 && (
          <span className="badge" aria-hidden="true">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <section
          id={panelId}
          className="bell-panel"
          aria-label="Notifications"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              setOpen(false);
              buttonRef.current?.focus();
            }
          }}
        >
          <h2>Notifications</h2>
          {items.length === 0 ? (
            <p>No notifications.</p>
          ) : (
            <ul>
              {items.map((n) => (
                <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
                  <p>
                    <strong>
                      <NoBreak text={n.title} />
                    </strong>
                    {!n.readAt && <span className="visually-hidden"> (unread)</span>}
                  </p>
                  <p>
                    <NoBreak text={n.body} />
                  </p>
                  <div className="bell-item-foot">
                    <p className="muted">{formatDateTime(n.createdAt)}</p>
                    {!n.readAt && (
                      <button
                        type="button"
                        className="link"
                        // A name, not hidden text: the title is in the item already.
                        aria-label={`Mark read: ${n.title}`}
                        onClick={() => void markOneRead(n.id)}
                      >
                        Mark read
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
          <div className="actions">
            {unread > 0 && (
              <button type="button" onClick={() => void markAllRead()}>
                Mark all as read
              </button>
            )}
            <button type="button" onClick={() => setOpen(false)}>
              Close notifications
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
