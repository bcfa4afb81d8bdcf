import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/apiError.js';

export interface Resource<T> {
  data: T | null;
  /** The `detail` of the last failed load, or null. */
  error: string | null;
  /** True until the first load ends (later reloads keep showing the previous data). */
  loading: boolean;
  reload(): void;
}

/**
 * Loads data for a view and reloads it whenever `key` changes (a snapshot field that says the
 * data moved on). Answers that arrive after a newer request started are dropped.
 */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let current = true;
    loadRef
      .current()
      .then((value) => {
        if (!current) return;
        setData(value);
        setError(null);
      })
      .catch((err: unknown) => {
        if (current) setError(errorText(err));
      })
      .finally(() => {
        if (current) setLoading(false);
      });
    return () => {
      current = false;
    };
  }, [key, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
}
