import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { errorText } from '../api/apiError.js';
import type { PublicConfig } from '../../../engine/contracts/publicConfig.js';
import { useApi } from './ApiContext.js';
import { useLive } from './LiveContext.js';

export interface ConfigValue {
  /** GET /config, or null until it first answers. */
  config: PublicConfig | null;
  error: string | null;
  /** Goes up on every `config.changed` event (and every reload), so settings views reload with it. */
  version: number;
  reload(): void;
}

const ConfigContext = createContext<ConfigValue | null>(null);

/** The engine's effective settings, shared by the header, the first-run check and the settings views. */
export function ConfigProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const live = useLive();
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const request = ++latest.current;
    api.config().then(
      (value) => {
        if (request !== latest.current) return;
        setConfig(value);
        setError(null);
      },
      (err: unknown) => {
        if (request === latest.current) setError(errorText(err));
      },
    );
  }, [api, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const { subscribe } = live;
  useEffect(() => subscribe((name) => name === 'config.changed' && reload()), [subscribe, reload]);

  // A first load that failed (engine not up yet) is tried again once the engine answers.
  const reachable = live.snapshot !== null && live.error === null;
  useEffect(() => {
    if (reachable && error !== null) reload();
  }, [reachable, error, reload]);

  const value = useMemo(() => ({ config, error, version, reload }), [config, error, version, reload]);
  return <ConfigContext.Provider value={value}>{children}</ConfigContext.Provider>;
}

export function useConfig(): ConfigValue {
  const value = useContext(ConfigContext);
  if (!value) throw new Error('useConfig must be used inside <ConfigProvider>');
  return value;
}
