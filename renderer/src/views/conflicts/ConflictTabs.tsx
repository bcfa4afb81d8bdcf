import { routeHref } from '../../lib/route.js';

/** Open / Resolved switch; links, so each tab has its own address. */
export function ConflictTabs({ tab, openCount }: { tab: 'open' | 'resolved'; openCount: number | null }) {
  return (
    <nav className="tabs" aria-label="Conflict lists">
      <a href={routeHref({ name: 'conflicts', tab: 'open' })} className="tab" aria-current={tab === 'open' ? 'page' : undefined}>
        Open{openCount !== null ? ` (${openCount})` : ''}
      </a>
      <a href={routeHref({ name: 'conflicts', tab: 'resolved' })} className="tab" aria-current={tab === 'resolved' ? 'page' : undefined}>
        Resolved
      </a>
    </nav>
  );
}
