/**
 * What each tray menu item does, against the engine link. The OS side effects (open a folder,
 * reveal a file, show an error, quit) are handed in, so the same table serves both engine kinds.
 */
import path from 'node:path';
import type { Logger } from '../engine/log/index.js';
import type { EngineLink } from './engineLink.js';
import type { LoginItemState } from './loginItem.js';
import type { NotificationLevel, NotificationPolicy } from './model/notificationPolicy.js';
import type { AppRoute } from './model/routes.js';
import type { SettingsStore } from './model/settingsStore.js';
import { PAUSE_HOUR_MS, TRAY_COMMANDS, type TrayCommand } from './model/trayModel.js';

export interface TrayCommandDeps {
  link: EngineLink;
  policy: NotificationPolicy;
  settings: Pick<SettingsStore, 'update'>;
  loginItem: { read(): LoginItemState; set(enabled: boolean): LoginItemState };
  openRoute: (route: AppRoute) => void;
  /** shell.openPath: resolves to an error message, '' on success. */
  openFolder: (folder: string) => Promise<string>;
  /** shell.showItemInFolder */
  revealFile: (file: string) => void;
  showError: (title: string, message: string) => void;
  quit: () => void;
  log: Logger;
  /** The menu may have changed (a command finished, a bundle started or ended). */
  changed: () => void;
}

export interface TrayCommands {
  run(command: TrayCommand): Promise<void>;
  /** A diagnostics bundle is being written (the menu item waits). */
  readonly bundleWriting: boolean;
}

const LEVELS: Partial<Record<TrayCommand, NotificationLevel>> = {
  [TRAY_COMMANDS.notifyAll]: 'all',
  [TRAY_COMMANDS.notifyErrors]: 'errors',
  [TRAY_COMMANDS.notifyNone]: 'none',
};

export function trayCommands(deps: TrayCommandDeps): TrayCommands {
  const { link, log } = deps;
  let bundleWriting = false;

  const setLevel = async (level: NotificationLevel) => {
    const config = await link.reconfigure({ notifications: level });
    deps.policy.setLevel(link.settings().notifications);
    log.info('notification level changed', { level: config.notifications });
  };

  const writeBundle = async () => {
    if (bundleWriting) return;
    bundleWriting = true;
    deps.changed();
    try {
      const bundle = await link.writeSupportBundle();
      log.info('diagnostics bundle written', { path: bundle.path, bytes: bundle.bytes });
      deps.revealFile(bundle.path);
    } catch (error) {
      deps.showError('Diagnostics bundle not written', (error as Error).message);
      throw error;
    } finally {
      bundleWriting = false;
    }
  };

  const exec = async (command: TrayCommand): Promise<void> => {
    const level = LEVELS[command];
    if (level) return setLevel(level);
    switch (command) {
      case TRAY_COMMANDS.openDashboard:
        return deps.openRoute('#/');
      case TRAY_COMMANDS.openConflicts:
        return deps.openRoute('#/conflicts');
      case TRAY_COMMANDS.openUploads:
        return deps.openRoute('#/uploads');
      case TRAY_COMMANDS.syncNow: {
        const refused = await link.syncNow();
        if (refused) log.info('sync not started', { reason: refused });
        return;
      }
      case TRAY_COMMANDS.reconnect:
        return link.reconnect();
      case TRAY_COMMANDS.syncRatings:
        return link.syncRatings();
      case TRAY_COMMANDS.pause:
        return link.pause();
      case TRAY_COMMANDS.pauseHour:
        return link.pause(PAUSE_HOUR_MS);
      case TRAY_COMMANDS.resume:
        return link.resume();
      case TRAY_COMMANDS.toggleStartAtLogin: {
        const next = !deps.loginItem.read().enabled;
        const state = deps.loginItem.set(next);
        deps.settings.update({ startAtLogin: next });
        if (state.warning) log.warn('start at login', { warning: state.warning });
        return;
      }
      case TRAY_COMMANDS.openLogs: {
        const folder = path.dirname(link.settings().logPath);
        const error = await deps.openFolder(folder);
        if (error) deps.showError('Logs not opened', `${folder} could not be opened: ${error}`);
        return;
      }
      case TRAY_COMMANDS.supportBundle:
        return writeBundle();
      case TRAY_COMMANDS.quit:
        return deps.quit();
      default:
        return;
    }
  };

  return {
    get bundleWriting() {
      return bundleWriting;
    },
    async run(command) {
      try {
        await exec(command);
      } catch (error) {
        log.error('tray command failed', { command, error: (error as Error).message });
      } finally {
        deps.changed();
      }
    },
  };
}
