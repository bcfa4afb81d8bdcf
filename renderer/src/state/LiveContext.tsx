import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { EngineSnapshot } from '../../../engine/contracts/localHttpApi.js';
import { LiveFeed, type LiveState, type OpenLiveSource } from '../api/liveFeed.js';
import { useApi } from './ApiContext.js';

export interface LiveValue {
  snapshot: EngineSnapshot | null;
  state: LiveState;
  /** Why the engine cannot be reached right now, or null. */
  error: string | null;
  /** Fetch a fresh snapshot now (after an action). */
  refresh(): void;
  /** Listen to live events other than `status` (e.g. `sync.finished`). */
  subscribe(listener: (name: string, data: unknown) => void): () => void;
}

const LiveContext = createContext<LiveValue | null>(null);

/** Owns the one live stream of the app and shares the latest snapshot with every view. */
export function LiveProvider({ open, children }: { open: OpenLiveSource; children: ReactNode }) {
  const api = useApi();
  const [snapshot, setSnapshot] = useState<EngineSnapshot | null>(null);
  const [state, setState] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const listeners = useRef(new Set<(name: string, data: unknown) => void>());
  const feedRef = useRef<LiveFeed | null>(null);

  useEffect(() => {
    const feed = new LiveFeed({
      open,
      fetchSnapshot: () => api.snapshot(),
      onSnapshot: setSnapshot,
      onEvent: (name, data) => listeners.current.forEach((listener) => listener(name, data)),
      onState: (next, reason) => {
        setState(next);
        setError(reason);
      },
    });
    feedRef.current = feed;
    feed.start();
    return () => {
      feed.stop();
      feedRef.current = null;
    };
  }, [api, open]);

  const value = useMemo<LiveValue>(
    () => ({
      snapshot,
      state,
      error,
      refresh: () => void feedRef.current?.refresh(),
      subscribe: (listener) => {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [snapshot, state, error],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveValue {
  const value = useContext(LiveContext);
  if (!value) throw new Error('useLive must be used inside <LiveProvider>');
  return value;
}
