/**
 * What deserves a desktop notification, decided from successive engine snapshots (desktop.md
 * "Notifications"): only what a person must act on, summarised, rate-limited per kind with a
 * suppression window that doubles while a kind keeps firing, quiet after a wake from sleep.
 * Time is passed in, so every rule is tested without waiting.
 */
import type { EngineSnapshot, Severity } from '../../engine/contracts/localHttpApi.js';
import { formatAge } from '../../engine/status/formatAge.js';
import type { AppRoute } from './routes.js';

export const NOTIFICATION_LEVELS = ['all', 'errors', 'none'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];
export type NotificationKind = 'conflicts' | 'sync_failing' | 'websocket_down' | 'auth';

export interface NotificationModel {
  kind: NotificationKind;
  title: string;
  body: string;
  /** The view a click opens. */
  route: AppRoute;
  /** Shown as urgent where the platform has the notion (critical conflicts, auth). */
  urgent: boolean;
}

export interface NewConflict {
  id: number;
  /** Skill name, or its id when the name is unknown. */
  name: string;
  severity: Severity;
}

export interface NotificationPolicyOptions {
  level?: NotificationLevel;
  /** Failed runs in a row before "sync is failing" (default 3). */
  failingRuns?: number;
  /** The live connection may be down this long before anyone is told (default 2 min). */
  websocketGraceMs?: number;
  /** Silence after a wake (and after start) while the network and socket come back (default 90 s). */
  wakeGraceMs?: number;
  /** First suppression window per kind (default 5 min); doubles each time the kind fires again within 4 windows. */
  baseSuppressionMs?: number;
  maxSuppressionMs?: number;
  /** Critical conflicts named in a summary before "+N more" (default 3). */
  maxNamed?: number;
}

interface KindState {
  lastShownAt: number | null;
  windowMs: number;
  /** A condition (not an accumulation) already told for its current episode. */
  episodeTold: boolean;
}

const KINDS: readonly NotificationKind[] = ['conflicts', 'sync_failing', 'websocket_down', 'auth'];

export class NotificationPolicy {
  private level: NotificationLevel;
  private readonly failingRuns: number;
  private readonly websocketGraceMs: number;
  private readonly wakeGraceMs: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxNamed: number;
  private readonly kinds = new Map<NotificationKind, KindState>();
  private readonly pending = new Map<number, NewConflict>();
  private quietUntil: number;
  private websocketDownSince: number | null = null;

  constructor(now: number, options: NotificationPolicyOptions = {}) {
    this.level = options.level ?? 'all';
    this.failingRuns = Math.max(1, options.failingRuns ?? 3);
    this.websocketGraceMs = options.websocketGraceMs ?? 120_000;
    this.wakeGraceMs = options.wakeGraceMs ?? 90_000;
    this.baseMs = options.baseSuppressionMs ?? 5 * 60_000;
    this.maxMs = Math.max(this.baseMs, options.maxSuppressionMs ?? 4 * 3_600_000);
    this.maxNamed = options.maxNamed ?? 3;
    for (const kind of KINDS) this.kinds.set(kind, { lastShownAt: null, windowMs: this.baseMs, episodeTold: false });
    this.quietUntil = now + this.wakeGraceMs;
  }

  get notificationLevel(): NotificationLevel {
    return this.level;
  }

  setLevel(level: NotificationLevel): void {
    this.level = level;
    if (level === 'none') this.pending.clear();
  }

  /** A conflict the engine just created (the adapter feeds `conflict.detected` with created = true). */
  conflictDetected(conflict: NewConflict): void {
    if (this.level === 'none') return;
    if (this.pending.size < 10_000) this.pending.set(conflict.id, conflict);
  }

  /** The machine woke: the socket and the network need a moment; say nothing until then. */
  resumed(now: number): void {
    this.quietUntil = Math.max(this.quietUntil, now + this.wakeGraceMs);
    if (this.websocketDownSince !== null) this.websocketDownSince = now;
  }

  /** Notifications to show now (usually none). Call on every snapshot change and on a slow timer. */
  evaluate(snapshot: EngineSnapshot, now: number): NotificationModel[] {
    this.trackEpisodes(snapshot, now);
    if (this.level === 'none' || now < this.quietUntil) return [];
    const out: NotificationModel[] = [];

    if (this.authRefused(snapshot)) this.tell('auth', now, out, () => authNotice());
    if (snapshot.sync.consecutive_failures >= this.failingRuns)
      this.tell('sync_failing', now, out, () => failingNotice(snapshot.sync.consecutive_failures, snapshot.sync.last_error));
    if (this.websocketDownSince !== null && now - this.websocketDownSince >= this.websocketGraceMs)
      this.tell('websocket_down', now, out, () => websocketNotice(now - this.websocketDownSince!));

    const conflicts = this.takeConflicts(now);
    if (conflicts) out.push(conflicts);
    return out;
  }

  /** Ends episodes whose condition cleared, so the next occurrence is told (subject to the rate limit). */
  private trackEpisodes(s: EngineSnapshot, now: number): void {
    const down = s.websocket.enabled && !s.websocket.connected && s.websocket.state !== 'disabled' && s.websocket.state !== 'auth_failed';
    if (!down) this.websocketDownSince = null;
    else if (this.websocketDownSince === null) this.websocketDownSince = now;
    if (!down) this.state('websocket_down').episodeTold = false;
    if (!this.authRefused(s)) this.state('auth').episodeTold = false;
    if (s.sync.consecutive_failures < this.failingRuns) this.state('sync_failing').episodeTold = false;
  }

  private authRefused(s: EngineSnapshot): boolean {
    return s.websocket.state === 'auth_failed' || s.sync.last_error_kind === 'auth';
  }

  private state(kind: NotificationKind): KindState {
    return this.kinds.get(kind)!;
  }

  private allowed(kind: NotificationKind, now: number): boolean {
    const st = this.state(kind);
    return st.lastShownAt === null || now - st.lastShownAt >= st.windowMs;
  }

  /** Records a shown notification: the window doubles if the kind fired recently, resets after a long quiet. */
  private shown(kind: NotificationKind, now: number): void {
    const st = this.state(kind);
    if (st.lastShownAt !== null) {
      st.windowMs = now - st.lastShownAt >= st.windowMs * 4 ? this.baseMs : Math.min(st.windowMs * 2, this.maxMs);
    }
    st.lastShownAt = now;
  }

  private tell(kind: Exclude<NotificationKind, 'conflicts'>, now: number, out: NotificationModel[], make: () => NotificationModel): void {
    const st = this.state(kind);
    if (st.episodeTold || !this.allowed(kind, now)) return;
    st.episodeTold = true;
    this.shown(kind, now);
    out.push(make());
  }

  private takeConflicts(now: number): NotificationModel | null {
    if (this.pending.size === 0 || !this.allowed('conflicts', now)) return null;
    let items = [...this.pending.values()];
    this.pending.clear();
    // "Errors only" still names critical conflicts: they are what a person must act on.
    if (this.level === 'errors') items = items.filter((c) => c.severity === 'critical');
    if (items.length === 0) return null;
    this.shown('conflicts', now);
    return conflictNotice(items, this.maxNamed);
  }
}

function conflictNotice(items: NewConflict[], maxNamed: number): NotificationModel {
  const critical = items.filter((c) => c.severity === 'critical');
  const allCritical = critical.length === items.length;
  if (items.length === 1) {
    const only = items[0]!;
    return {
      kind: 'conflicts',
      title: only.severity === 'critical' ? `Critical conflict: ${only.name}` : `New conflict: ${only.name}`,
      body: 'Both the local Atom and Atom SaaS changed it. Open the conflict view to choose what to keep.',
      route: '#/conflicts',
      urgent: only.severity === 'critical',
    };
  }
  const named = critical.slice(0, maxNamed).map((c) => c.name);
  const more = critical.length - named.length;
  const criticalText =
    critical.length === 0 ? '' : `${allCritical ? 'All' : critical.length} critical: ${named.join(', ')}${more > 0 ? ` (+${more} more)` : ''}. `;
  return {
    kind: 'conflicts',
    title: allCritical ? `${items.length} new critical conflicts` : `${items.length} new conflicts`,
    body: `${criticalText}Open the conflict view to resolve them.`,
    route: '#/conflicts',
    urgent: critical.length > 0,
  };
}

function failingNotice(runs: number, lastError: string | null): NotificationModel {
  return {
    kind: 'sync_failing',
    title: 'Sync is failing',
    body: `${runs} runs in a row failed${lastError ? `: ${lastError}` : ''}. The local marketplace is getting out of date.`,
    route: '#/',
    urgent: false,
  };
}

function websocketNotice(downForMs: number): NotificationModel {
  return {
    kind: 'websocket_down',
    title: 'Live updates are down',
    body: `No live connection to Atom SaaS for ${formatAge(downForMs)}; the catalogue is still synced on schedule.`,
    route: '#/',
    urgent: false,
  };
}

function authNotice(): NotificationModel {
  return {
    kind: 'auth',
    title: 'Atom SaaS refused the API token',
    body: 'Sync stops until ATOM_SAAS_API_TOKEN is fixed (in the environment or the .env file).',
    route: '#/',
    urgent: true,
  };
}

export function isNotificationLevel(value: unknown): value is NotificationLevel {
  return typeof value === 'string' && (NOTIFICATION_LEVELS as readonly string[]).includes(value);
}
