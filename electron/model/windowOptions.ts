/**
 * The app window's options and navigation policy, as plain data: the adapter passes them to
 * BrowserWindow unchanged, and the tests assert the security settings on the same object.
 */
import { isAppRoute, type AppRoute } from './routes.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'atom-sync';
/** Everything the window may show lives under this origin (a custom protocol, never the localhost port). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface WindowOptionsModel {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  icon?: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    experimentalFeatures: false;
    navigateOnDragDrop: false;
    spellcheck: false;
    devTools: boolean;
  };
}

export function windowOptions(p: { preloadPath: string; iconPath?: string; devTools?: boolean }): WindowOptionsModel {
  return {
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    title: 'Atom Sync',
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#0d1117',
    autoHideMenuBar: true,
    ...(p.iconPath ? { icon: p.iconPath } : {}),
    webPreferences: {
      preload: p.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: p.devTools ?? false,
    },
  };
}

/** `app://atom-sync/...` exactly (scheme and host; WHATWG gives custom schemes an opaque origin, so compare parts). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export function appUrl(route: AppRoute = '#/'): string {
  return `${APP_ORIGIN}/index.html${isAppRoute(route) ? route : '#/'}`;
}

/** `will-navigate` / `will-redirect`: stay inside the bundle. */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * `setWindowOpenHandler`: never a second Electron window. Plain https links (documentation)
 * go to the user's browser; everything else is dropped.
 */
export function windowOpenDecision(url: string): { action: 'deny'; openExternal: string | null } {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' && u.username === '' && u.password === '') return { action: 'deny', openExternal: u.href };
  } catch {
    // unparsable: dropped below
  }
  return { action: 'deny', openExternal: null };
}
