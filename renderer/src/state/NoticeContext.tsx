import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export interface Notice {
  tone: 'success' | 'error' | 'info';
  text: string;
  /** The hash route the notice belongs to; leaving that route clears it. */
  route: string;
}

interface NoticeValue {
  notice: Notice | null;
  show(notice: Notice | null): void;
}

const NoticeContext = createContext<NoticeValue | null>(null);

/** A message that outlives a route change ("Conflict resolved" shown back on the list). */
export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notice, show] = useState<Notice | null>(null);
  useEffect(() => {
    if (!notice) return;
    const onChange = () => {
      if (window.location.hash !== notice.route) show(null);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, [notice]);
  const value = useMemo(() => ({ notice, show }), [notice]);
  return <NoticeContext.Provider value={value}>{children}</NoticeContext.Provider>;
}

export function useNotice(): NoticeValue {
  const value = useContext(NoticeContext);
  if (!value) throw new Error('useNotice must be used inside <NoticeProvider>');
  return value;
}
