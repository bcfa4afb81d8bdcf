/**
 * The one window (dashboard, conflicts, uploads are routes of it): created on demand and
 * destroyed when closed, so an idle tray app keeps no renderer process alive.
 */
import { BrowserWindow, shell, type WebContents } from 'electron';
import type { Logger } from '../engine/log/index.js';
import type { AppRoute } from './model/routes.js';
import { allowNavigation, appUrl, windowOpenDecision, windowOptions } from './model/windowOptions.js';

export interface AppWindowDeps {
  preloadPath: string;
  iconPath?: string;
  devTools: boolean;
  log: Logger;
  /** The page finished loading (push the current status to it). */
  onLoaded?: (contents: WebContents) => void;
  onOpened?: () => void;
  onClosed?: () => void;
  /** Windows is logging off or shutting down (emitted on windows only). */
  onSessionEnd?: () => void;
}

/** Navigation and pop-up rules on a window's contents: only our own origin, links to the browser. */
export function lockDown(contents: WebContents, log: Logger): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    if (allowNavigation(url)) return;
    event.preventDefault();
    log.warn('navigation away from the app refused', { url: url.slice(0, 200) });
  };
  contents.on('will-navigate', (event) => refuse(event, event.url));
  contents.on('will-redirect', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternal) void shell.openExternal(decision.openExternal);
    return { action: decision.action };
  });
}

export class AppWindow {
  private window: BrowserWindow | null = null;

  constructor(private readonly deps: AppWindowDeps) {}

  get contents(): WebContents | null {
    return this.window && !this.window.isDestroyed() ? this.window.webContents : null;
  }

  open(route: AppRoute): void {
    const url = appUrl(route);
    if (this.window && !this.window.isDestroyed()) {
      if (this.window.webContents.getURL() !== url) void this.window.loadURL(url);
      if (this.window.isMinimized()) this.window.restore();
      this.window.show();
      this.window.focus();
      return;
    }
    const win = new BrowserWindow(windowOptions(this.deps));
    this.window = win;
    lockDown(win.webContents, this.deps.log);
    win.once('ready-to-show', () => win.show());
    win.webContents.on('did-finish-load', () => this.deps.onLoaded?.(win.webContents));
    win.webContents.on('render-process-gone', (_event, details) => {
      this.deps.log.error('window renderer gone', { reason: details.reason, exit_code: details.exitCode });
    });
    win.on('session-end', () => this.deps.onSessionEnd?.());
    win.on('closed', () => {
      if (this.window === win) this.window = null;
      this.deps.onClosed?.();
    });
    this.deps.onOpened?.();
    win.loadURL(url).catch((error: Error) => this.deps.log.error('window could not load the UI', { error: error.message }));
  }

  close(): void {
    if (this.window && !this.window.isDestroyed()) this.window.destroy();
    this.window = null;
  }
}
