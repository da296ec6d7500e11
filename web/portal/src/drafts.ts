import { useCallback, useRef, useState } from 'react';

/**
 * Form state kept in sessionStorage, so that what a person typed survives a session expiry (the
 * login page in between) and a reload; cleared once the form did its work.
 */
export function useDraft<T>(key: string, initial: T): [T, (value: T) => void, () => void] {
  const storageKey = `latchkey.draft.${key}`;
  const initialRef = useRef(initial);
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = window.sessionStorage.getItem(storageKey);
      return stored === null ? initial : (JSON.parse(stored) as T);
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (next: T) => {
      setValue(next);
      try {
        window.sessionStorage.setItem(storageKey, JSON.stringify(next));
      } catch {
        // Storage full or disabled: the form still works, only without the safety net.
      }
    },
    [storageKey],
  );
  const clear = useCallback(() => {
    setValue(initialRef.current);
    window.sessionStorage.removeItem(storageKey);
  }, [storageKey]);
  return [value, set, clear];
}
