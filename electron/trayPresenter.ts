/**
 * Keeps the tray and the notifications in step with the engine: re-renders on engine events
 * (debounced) and on a slow tick (ages in the tooltip), animates the syncing glyph where cheap,
 * and runs the notification policy on every render.
 */
import type { EngineLink } from './engineLink.js';
import type { LoginItemState } from './loginItem.js';
import type { NotificationModel, NotificationPolicy } from './model/notificationPolicy.js';
import { animatesSyncing, portNotice, SYNCING_FRAMES, trayState, type TrayView } from './model/trayModel.js';

export interface PresenterDeps {
  link: EngineLink;
  policy: NotificationPolicy;
  platform: NodeJS.Platform;
  render: (view: TrayView) => void;
  notify: (model: NotificationModel) => void;
  loginItem: () => LoginItemState;
  /** Whether a diagnostics bundle is being written right now. */
  bundleWriting: () => boolean;
  now?: () => number;
}

const DEBOUNCE_MS = 200;
const TICK_MS = 30_000;
const FRAME_MS = 400;

export class TrayPresenter {
  private frame = 0;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private tick: ReturnType<typeof setInterval> | null = null;
  private animation: ReturnType<typeof setInterval> | null = null;
  private loginState: LoginItemState;
  private offEvents: (() => void) | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: PresenterDeps) {
    this.now = deps.now ?? Date.now;
    this.loginState = deps.loginItem();
  }

  start(): void {
    this.offEvents = this.deps.link.onEvent(() => this.schedule());
    this.tick = setInterval(() => {
      this.loginState = this.deps.loginItem();
      this.update();
    }, TICK_MS);
    this.update();
  }

  /** After the user changed something the snapshot does not carry (login item, notification level). */
  refresh(): void {
    this.loginState = this.deps.loginItem();
    this.update();
  }

  stop(): void {
    this.offEvents?.();
    if (this.debounce) clearTimeout(this.debounce);
    if (this.tick) clearInterval(this.tick);
    if (this.animation) clearInterval(this.animation);
    this.debounce = this.tick = this.animation = null;
  }

  private schedule(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.update();
    }, DEBOUNCE_MS);
  }

  private update(): void {
    const { link, policy } = this.deps;
    const snapshot = link.snapshot();
    const settings = link.settings();
    const now = this.now();
    const view = trayState(snapshot, {
      paused: snapshot.sync.paused,
      now,
      portNotice: portNotice(snapshot.api),
      startAtLogin: this.loginState,
      notificationLevel: policy.notificationLevel,
      intervalMinutes: settings.syncIntervalMinutes,
      frame: this.frame,
      supportBundle: !link.canWriteSupportBundle() ? 'unavailable' : this.deps.bundleWriting() ? 'writing' : 'idle',
      attachedTo: link.attachedTo,
      linkNotice: link.notice(),
    });
    this.deps.render(view);
    this.animate(view.state === 'syncing');
    // A snapshot nobody vouches for (the attached service is gone) tells no one anything.
    if (link.notice() === null) for (const model of policy.evaluate(snapshot, now)) this.deps.notify(model);
  }

  private animate(on: boolean): void {
    if (on && !this.animation && animatesSyncing(this.deps.platform)) {
      this.animation = setInterval(() => {
        this.frame = (this.frame + 1) % SYNCING_FRAMES;
        this.update();
      }, FRAME_MS);
    } else if (!on && this.animation) {
      clearInterval(this.animation);
      this.animation = null;
      this.frame = 0;
    }
  }
}
