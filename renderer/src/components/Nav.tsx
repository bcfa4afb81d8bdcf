import type { EngineSnapshot } from '../../../engine/contracts/localHttpApi.js';
import { routeHref, type Route } from '../lib/route.js';

interface NavItem {
  href: string;
  label: string;
  count?: number;
  note?: string;
  active: boolean;
}

function Count({ n, note }: { n: number; note?: string }) {
  return (
    <span className={`nav-count ${n > 0 ? 'nav-count-some' : ''}`}>
      {n}
      {note && <span className="visually-hidden">, {note}</span>}
    </span>
  );
}

export function Nav({ route, snapshot }: { route: Route; snapshot: EngineSnapshot | null }) {
  const critical = snapshot?.conflicts.by_severity?.critical ?? 0;
  const items: NavItem[] = [
    { href: routeHref({ name: 'dashboard' }), label: 'Dashboard', active: route.name === 'dashboard' },
    {
      href: routeHref({ name: 'conflicts', tab: 'open' }),
      label: 'Conflicts',
      ...(snapshot ? { count: snapshot.conflicts.unresolved } : {}),
      ...(critical > 0 ? { note: `${critical} critical` } : {}),
      active: route.name === 'conflicts' || route.name === 'conflict',
    },
    {
      href: routeHref({ name: 'uploads' }),
      label: 'Failed uploads',
      ...(snapshot ? { count: snapshot.ratings.failed_count } : {}),
      active: route.name === 'uploads',
    },
    { href: routeHref({ name: 'settings' }), label: 'Settings', active: route.name === 'settings' },
  ];
  return (
    <nav className="nav" aria-label="Main">
      <ul>
        {items.map((item) => (
          <li key={item.href}>
            <a href={item.href} className="nav-link" aria-current={item.active ? 'page' : undefined}>
              {item.label}
              {item.count !== undefined && <Count n={item.count} {...(item.note ? { note: item.note } : {})} />}
              {item.note && (
                <span className="nav-critical" aria-hidden="true">
                  !
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
