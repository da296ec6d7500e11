import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { ApiError } from './api.ts';
import { NoBreak } from './no-break.tsx';

export interface Toast {
  id: number;
  kind: 'error' | 'success';
  title: string;
  cause?: string | undefined;
  hints?: string[] | undefined;
  /**
   * The action the message is about (e.g. `add-device.<siteId>`). A new message of the same
   * action replaces the earlier ones: a success clears the errors of the attempts before it,
   * and a new error replaces the previous error, so that stale notices never pile up.
   */
  scope?: string | undefined;
}

export type NewToast = Omit<Toast, 'id'>;

interface ToastApi {
  notify(toast: NewToast): void;
  notifyError(error: ApiError, scope?: string): void;
  /** The action succeeded without a message of its own: its earlier errors go away. */
  clear(scope: string): void;
}

const ToastContext = createContext<ToastApi>({
  notify: () => {},
  notifyError: () => {},
  clear: () => {},
});

export const useToasts = () => useContext(ToastContext);

let nextId = 1;

/** The list after `toast` arrives: at most four, without the earlier ones of its action. */
export function withToast(all: Toast[], toast: Toast): Toast[] {
  const kept = toast.scope === undefined ? all : all.filter((t) => t.scope !== toast.scope);
  return [...kept.slice(-3), toast];
}

/**
 * The notifications that show up after an action: an error explains the possible cause and
 * what to do next (the API's message, cause and hints); errors stay until closed or until the
 * same action is tried again, successes go away by themselves.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback(
    (id: number) => setToasts((all) => all.filter((t) => t.id !== id)),
    [],
  );
  const notify = useCallback(
    (toast: NewToast) => {
      const id = nextId++;
      setToasts((all) => withToast(all, { ...toast, id }));
      if (toast.kind === 'success') window.setTimeout(() => dismiss(id), 10_000);
    },
    [dismiss],
  );
  const clear = useCallback(
    (scope: string) => setToasts((all) => all.filter((t) => t.scope !== scope)),
    [],
  );
  const value = useMemo<ToastApi>(
    () => ({
      notify,
      clear,
      notifyError: (error, scope) =>
        notify({
          kind: 'error',
          title: error.body.message,
          cause: error.body.cause,
          hints: [...(error.body.fields ?? []).map((f) => f.message), ...error.body.hints],
          scope,
        }),
    }),
    [notify, clear],
  );
  return (
    <ToastContext.Provider value={value}>
      {children}
      <section className="toasts" aria-label="Messages">
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.kind}`}
            role={toast.kind === 'error' ? 'alert' : 'status'}
            aria-labelledby={`toast-${toast.id}-title`}
          >
            <p className="toast-title" id={`toast-${toast.id}-title`}>
              <strong>
                <NoBreak text={toast.title} />
              </strong>
            </p>
            {toast.cause && (
              <p>
                <NoBreak text={toast.cause} />
              </p>
            )}
            {toast.hints && toast.hints.length > 0 && (
              <>
                <p className="toast-hints-title">What to do:</p>
                <ul>
                  {toast.hints.map((hint) => (
                    <li key={hint}>{hint}</li>
                  ))}
                </ul>
              </>
            )}
            <button
              type="button"
              className="link"
              aria-label={`Close the message: ${toast.title}`}
              onClick={() => dismiss(toast.id)}
            >
              Close
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  );
}
