/**
 * Start at login: the OS login-item API on macOS and Windows, an XDG autostart file on Linux.
 * Reads always come from the OS or the disk, never from our settings file.
 */
import { app } from 'electron';
import { disableAutostart, enableAutostart, HIDDEN_FLAG, launchCommand, readAutostart, type LaunchCommand } from './model/autostartLinux.js';

export interface LoginItemState {
  enabled: boolean;
  warning: string | null;
}

export class LoginItem {
  private readonly command: LaunchCommand;

  constructor(private readonly platform: NodeJS.Platform = process.platform) {
    this.command = launchCommand({
      execPath: process.execPath,
      appImage: process.env.APPIMAGE ?? null,
      isPackaged: app.isPackaged,
      appPath: app.getAppPath(),
    });
  }

  read(): LoginItemState {
    if (this.platform === 'linux') {
      const state = readAutostart({ env: process.env }, this.command.program);
      return { enabled: state.enabled, warning: state.warning };
    }
    const settings = app.getLoginItemSettings(this.platform === 'win32' ? { path: this.command.program, args: this.command.args } : undefined);
    return { enabled: settings.openAtLogin, warning: null };
  }

  set(enabled: boolean): LoginItemState {
    if (this.platform === 'linux') {
      if (enabled) enableAutostart({ env: process.env }, this.command);
      else disableAutostart({ env: process.env });
    } else if (this.platform === 'win32') {
      app.setLoginItemSettings({ openAtLogin: enabled, path: this.command.program, args: this.command.args });
    } else {
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
    }
    return this.read();
  }

  /** Launched by the session at login (macOS reports it; elsewhere the --hidden argument says so). */
  static launchedHidden(argv: readonly string[], platform: NodeJS.Platform = process.platform): boolean {
    if (argv.includes(HIDDEN_FLAG)) return true;
    return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
  }
}
