import { useEffect, useRef, useState, type ReactNode } from 'react';
import { errorMessage, type CloudLink } from './api.ts';

/**
 * Calls `load` now and every `intervalMs` while mounted (the live parts of the interface). Not
 * while the tab is hidden: polling would keep the session alive past its idle timeout.
 */
export function usePolling(load: () => Promise<void>, intervalMs = 2000): void {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      clearTimeout(timer);
      try {
        if (!document.hidden) await latest.current();
      } finally {
        running = false;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      }
    };
    const onVisible = () => {
      if (!document.hidden) void tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [intervalMs]);
}

/** A message for screen readers and eyes: role=status for news, role=alert for refusals. */
export function Notice({ kind, children }: { kind: 'ok' | 'error'; children: ReactNode }) {
  // The live region is always there, so that screen readers announce what appears in it.
  return (
    <div role={kind === 'error' ? 'alert' : 'status'}>
      {children ? <p className={`notice notice-${kind}`}>{children}</p> : null}
    </div>
  );
}

/** A modal confirmation (native <dialog>: focus stays inside, Escape cancels). */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div className="actions">
        <button
          type="button"
          className={props.danger ? 'danger' : 'primary'}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
        <button type="button" onClick={props.onCancel} disabled={props.busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

const CLOUD_STATES: Record<CloudLink['state'], string> = {
  connected: 'Connected',
  connecting: 'Connecting…',
  disconnected: 'Not connected',
};

export function cloudStateLabel(state: CloudLink['state']): string {
  return CLOUD_STATES[state];
}

/** Auto Provisioning's configuration mode, in the words of the classic interface (issue 17). */
export function configurationModeLabel(cloud: CloudLink): string {
  if (cloud.site === null || !cloud.configurationMode) return 'Not managed (not in a My2N site)';
  return cloud.configurationMode === 'automatic' ? 'Automatic (My2N)' : 'Manual';
}

/** What the interfaces say beside a directory entry the cloud manages (issue 17). */
export const MANAGED_ENTRY_NOTE =
  'Managed by My2N — local changes are overwritten at the next sync.';

export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const parts = [];
  if (days) parts.push(`${days} d`);
  if (days || hours) parts.push(`${hours} h`);
  if (days || hours || minutes) parts.push(`${minutes} min`);
  parts.push(`${rest} s`);
  return parts.join(' ');
}

/** A page's frame: the heading every page has, and an optional line under it. */
export function Page(props: { title: string; intro?: ReactNode; children: ReactNode }) {
  const title = useRef<HTMLHeadingElement>(null);
  // A new page: keyboard and screen reader users start at its heading.
  useEffect(() => title.current?.focus({ preventScroll: true }), []);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title" ref={title} tabIndex={-1}>
        {props.title}
      </h1>
      {props.intro ? <p className="intro">{props.intro}</p> : null}
      {props.children}
    </section>
  );
}

export function useBusy(): [boolean, <T>(work: () => Promise<T>) => Promise<T | undefined>] {
  const [busy, setBusy] = useState(false);
  const run = async <T,>(work: () => Promise<T>) => {
    setBusy(true);
    try {
      return await work();
    } finally {
      setBusy(false);
    }
  };
  return [busy, run];
}

/**
 * A page's two notices (done, failed) and the one way its actions run: both cleared, the work
 * done, `done` reported (or the error), then `reload` so the page shows the new state.
 */
export function useAction(reload: () => Promise<void>) {
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const run = async (work: () => Promise<void>, done: string): Promise<boolean> => {
    setError('');
    setMessage('');
    try {
      await work();
      setMessage(done);
      await reload();
      return true;
    } catch (caught) {
      setError(errorMessage(caught));
      return false;
    }
  };
  /** For loads that fail: the error notice without a message. */
  const fail = (caught: unknown) => setError(errorMessage(caught));
  const notices = (
    <>
      <Notice kind="ok">{message}</Notice>
      <Notice kind="error">{error}</Notice>
    </>
  );
  return { run, fail, notices };
}
