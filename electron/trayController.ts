/**
 * Renders the tray model: icon per state, tooltip, and the full context menu, set again after
 * every change (Linux AppIndicator hosts only pick up a menu handed over anew).
 */
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Logger } from '../engine/log/index.js';
import { trayIconFile, type MenuItemModel, type TrayCommand, type TrayView } from './model/trayModel.js';

export interface TrayDeps {
  /** Folder holding the tray/*.png files. */
  resourcesDir: string;
  platform: NodeJS.Platform;
  onCommand: (command: TrayCommand) => void;
  log: Logger;
}

export function toMenuTemplate(items: readonly MenuItemModel[], onCommand: (command: TrayCommand) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.type === 'separator') return { type: 'separator' };
    if (item.type === 'submenu') return { label: item.label, enabled: item.enabled, submenu: toMenuTemplate(item.submenu ?? [], onCommand) };
    return {
      label: item.label,
      enabled: item.enabled,
      type: item.type,
      ...(item.checked !== undefined ? { checked: item.checked } : {}),
      ...(item.command !== 'none' ? { click: () => onCommand(item.command) } : {}),
    };
  });
}

export class TrayController {
  private tray: Tray | null = null;
  private readonly images = new Map<string, NativeImage>();
  private lastIcon = '';
  private lastTooltip = '';
  private lastMenu = '';
  private lastState = '';

  constructor(private readonly deps: TrayDeps) {}

  private image(icon: string): NativeImage {
    const file = trayIconFile(icon, this.deps.platform);
    let image = this.images.get(file);
    if (!image) {
      image = nativeImage.createFromPath(path.join(this.deps.resourcesDir, 'tray', file));
      if (image.isEmpty()) this.deps.log.warn('tray icon missing', { file });
      if (this.deps.platform === 'darwin') image.setTemplateImage(true);
      this.images.set(file, image);
    }
    return image;
  }

  render(view: TrayView): void {
    if (!this.tray) {
      this.tray = new Tray(this.image(view.icon));
      this.lastIcon = view.icon;
      this.deps.log.info('tray created', { state: view.state });
      // Windows: a left click opens the dashboard; macOS and Linux open the menu on click.
      if (this.deps.platform === 'win32') this.tray.on('click', () => this.deps.onCommand('open-dashboard'));
    }
    if (view.icon !== this.lastIcon) {
      this.tray.setImage(this.image(view.icon));
      this.lastIcon = view.icon;
    }
    // The log shows when the tray changed colour, and why (a support question starts there).
    if (view.state !== this.lastState) {
      this.deps.log.info('tray state', { state: view.state, tooltip: view.tooltip });
      this.lastState = view.state;
    }
    if (view.tooltip !== this.lastTooltip) {
      this.tray.setToolTip(view.tooltip);
      this.lastTooltip = view.tooltip;
    }
    const menuKey = JSON.stringify(view.menu);
    if (menuKey !== this.lastMenu) {
      this.tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(view.menu, this.deps.onCommand)));
      this.lastMenu = menuKey;
    }
  }

  /**
   * Hands the menu over again at the next render even if it did not change: a radio or checkbox
   * the user clicked shows its own new state until then, which must not outlive a refused change.
   */
  invalidateMenu(): void {
    this.lastMenu = '';
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
  }
}
