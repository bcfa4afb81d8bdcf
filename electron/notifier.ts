/** Shows the policy's notifications; a click opens the matching view. */
import { Notification } from 'electron';
import type { Logger } from '../engine/log/index.js';
import type { AppRoute } from './model/routes.js';
import type { NotificationModel } from './model/notificationPolicy.js';

export class Notifier {
  /** Held until closed: a collected Notification no longer reports its click. */
  private readonly live = new Set<Notification>();

  constructor(private readonly deps: { iconPath?: string; onClick: (route: AppRoute) => void; log?: Logger }) {}

  show(model: NotificationModel): void {
    if (!Notification.isSupported()) return;
    const n = new Notification({
      title: model.title,
      body: model.body,
      urgency: model.urgent ? 'critical' : 'normal',
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
    });
    const release = () => this.live.delete(n);
    n.on('click', () => {
      release();
      this.deps.onClick(model.route);
    });
    n.on('close', release);
    // macOS shows notifications of signed apps only; an unsigned build hears 'failed' instead.
    n.on('failed', (_event, error) => {
      release();
      this.deps.log?.warn('notification not shown', { kind: model.kind, error });
    });
    if (this.live.size > 20) this.live.clear();
    this.live.add(n);
    n.show();
  }
}
