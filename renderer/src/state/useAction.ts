import { useCallback, useRef, useState } from 'react';
import { errorText } from '../api/apiError.js';

export interface ActionState {
  busy: boolean;
  /** What happened last, in a sentence, for an aria-live region. */
  message: string | null;
  tone: 'success' | 'error' | null;
}

/** Runs a button's API call once at a time and keeps its outcome as a sentence. */
export function useAction() {
  const [state, setState] = useState<ActionState>({ busy: false, message: null, tone: null });
  const busyRef = useRef(false);
  const run = useCallback(async <T,>(call: () => Promise<T>, describe: (result: T) => string): Promise<T | null> => {
    if (busyRef.current) return null;
    busyRef.current = true;
    setState((s) => ({ ...s, busy: true }));
    try {
      const result = await call();
      setState({ busy: false, message: describe(result), tone: 'success' });
      return result;
    } catch (error) {
      setState({ busy: false, message: errorText(error), tone: 'error' });
      return null;
    } finally {
      busyRef.current = false;
    }
  }, []);
  const clear = useCallback(() => setState({ busy: false, message: null, tone: null }), []);
  return { ...state, run, clear };
}
