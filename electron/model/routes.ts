/** The views of the one app window (hash routes of the bundled UI). */
export const APP_ROUTES = ['#/', '#/conflicts', '#/uploads'] as const;
export type AppRoute = (typeof APP_ROUTES)[number];

export function isAppRoute(value: unknown): value is AppRoute {
  return typeof value === 'string' && (APP_ROUTES as readonly string[]).includes(value);
}
