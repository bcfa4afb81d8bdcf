/** Hash routes, so the same build works over http and over the desktop app's custom protocol. */
export type Route =
  | { name: 'dashboard' }
  | { name: 'uploads' }
  | { name: 'conflicts'; tab: 'open' | 'resolved' }
  | { name: 'conflict'; id: number }
  | { name: 'settings' }
  | { name: 'connect' }
  | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/[?].*$/, '').replace(/\/+$/, '') || '/';
  if (path === '/' || path === '') return { name: 'dashboard' };
  if (path === '/uploads') return { name: 'uploads' };
  if (path === '/settings') return { name: 'settings' };
  if (path === '/connect') return { name: 'connect' };
  if (path === '/conflicts') return { name: 'conflicts', tab: 'open' };
  if (path === '/conflicts/resolved') return { name: 'conflicts', tab: 'resolved' };
  const detail = /^\/conflicts\/([1-9]\d{0,14})$/.exec(path);
  if (detail) return { name: 'conflict', id: Number(detail[1]) };
  return { name: 'notFound', path };
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'dashboard':
      return '#/';
    case 'uploads':
      return '#/uploads';
    case 'settings':
      return '#/settings';
    case 'connect':
      return '#/connect';
    case 'conflicts':
      return route.tab === 'resolved' ? '#/conflicts/resolved' : '#/conflicts';
    case 'conflict':
      return `#/conflicts/${route.id}`;
    case 'notFound':
      return `#${route.path}`;
  }
}
