import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { ApiError } from './api.ts';

export interface Toast {
  id: number;
  kind: 'error' | 'success';
  title: string;
  cause?: string | undefined;
  hints?: string[] | undefined;
}

interface ToastApi {
  notify(toast: Omit<Toast, 'id'>): void;
  notifyError(error: ApiError): void;
}

const ToastContext = createContext<ToastApi>({ notify: () => {}, notifyError: () => {} });

export const useToasts = () => useContext(ToastContext);

let nextId = 1;

/**
 * The notifications that show up after an action: an error explains the possible cause and
 * what to do next (the API's message, cause and hints); they stay until closed.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback(
    (id: number) => setToasts((all) => all.filter((t) => t.id !== id)),
    [],
  );
  const notify = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = nextId++;
      setToasts((all) => [...all.slice(-3), { ...toast, id }]);
      if (toast.kind === 'success') window.setTimeout(() => dismiss(id), 10_000);
    },
    [dismiss],
  );
  const value = useMemo<ToastApi>(
    () => ({
      notify,
      notifyError: (error) =>
        notify({
          kind: 'error',
          title: error.body.message,
          cause: error.body.cause,
          hints: [...(error.body.fields ?? []).map((f) => f.message), ...error.body.hints],
        }),
    }),
    [notify],
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
              <strong>{toast.title}</strong>
            </p>
            {toast.cause && <p>{toast.cause}</p>}
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
