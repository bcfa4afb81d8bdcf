/** The views of the one app window (hash routes of the bundled UI). */
export const APP_ROUTES = ['#/', '#/conflicts', '#/uploads', '#/connect'] as const;
export type AppRoute = (typeof APP_ROUTES)[number];

export function isAppRoute(value: unknown): value is AppRoute {
  return typeof value === 'string' && (APP_ROUTES as readonly string[]).includes(value);
}

/**
 * The view the window opens on at start: the Connect screen until Atom SaaS is configured (no API
 * URL means the built-in demo catalogue; no token means the remote will refuse us), else the dashboard.
 */
export function startRoute(config: { demoMode: boolean; tokenConfigured: boolean }): AppRoute {
  return config.demoMode || !config.tokenConfigured ? '#/connect' : '#/';
}
