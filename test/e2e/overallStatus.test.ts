import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trayState } from '../../electron/model/trayModel.js';
import type { OverallState } from '../../engine/status/overall.js';
import { waitFor } from '../support/waitFor.js';
import { chromiumMissing, horizontalOverflow, screenshot, startUi, VARIANTS, waitForSnapshot, type UiHarness } from './support/uiHarness.js';

const TOKEN = 'e2e-overall-token-55d0';

interface Shown {
  state: string | null;
  line: string | null;
  pill: string | null;
  reasons: string | null;
}

/**
 * The header against the tray's model for the same engine, through every overall state: the
 * state, the label and the reasons are one truth (electron/model/trayModel.ts is pure, so the
 * tray's words are computed here from the engine's own snapshot).
 */
describe.skipIf(chromiumMissing)('overall status in the header equals the tray, state by state (real engine)', () => {
  let ui: UiHarness;
  let page: Page;
  let intervalMinutes: number;

  beforeAll(async () => {
    // No sync at start, so "Starting…" can be seen; small pages, so a run has steps to watch.
    ui = await startUi({
      skills: 80,
      settings: true,
      syncOnStart: false,
      remote: { token: TOKEN, skills: 40 },
      env: { ATOM_SAAS_SYNC_BATCH_SIZE: '20', ATOM_SAAS_RATING_MAX_ATTEMPTS: '1' },
    });
    intervalMinutes = ((await (await fetch(`${ui.url}/api/admin/sync/config`)).json()) as { sync_interval_minutes: number }).sync_interval_minutes;
    page = await ui.newPage();
  }, 60_000);

  afterAll(async () => {
    await ui?.close();
  });

  const status = (p: Page = page) => p.getByTestId('overall-status');

  /** Read in one step in the page, so the parts always belong to the same render. */
  function shown(p: Page = page): Promise<Shown> {
    return status(p).evaluate((el: unknown): Shown => {
      const box = el as { getAttribute(name: string): string | null; querySelector(selector: string): { textContent: string | null } | null };
      return {
        state: box.getAttribute('data-state'),
        line: box.getAttribute('title'),
        pill: box.querySelector('.pill')?.textContent ?? null,
        reasons: box.querySelector('[data-testid="overall-reasons"]')?.textContent ?? null,
      };
    });
  }

  /** Polls until the header and the tray agree on `want` (the page follows the engine a moment later). */
  async function expectParity(want: OverallState, timeoutMs = 20_000): Promise<{ shown: Shown; status: string }> {
    let last = '';
    let agreed: { shown: Shown; status: string } | null = null;
    await waitFor(
      async () => {
        const header = await shown();
        const tray = trayState(ui.engine.snapshot(), { paused: false, now: Date.now(), portNotice: null, intervalMinutes });
        last = JSON.stringify({ header, tray: { state: tray.state, status: tray.status } });
        if (header.state === want && tray.state === want && header.line === tray.status) agreed = { shown: header, status: tray.status };
        return agreed;
      },
      timeoutMs,
      50,
    ).catch((error: unknown) => {
      throw new Error(`header and tray did not agree on "${want}": ${last} (${error instanceof Error ? error.message : String(error)})`);
    });
    const result = agreed!;
    // What is on screen says the same: the label first, then the reasons (all, or the first and a count).
    expect(result.status.startsWith(result.shown.pill!)).toBe(true);
    if (result.shown.reasons) {
      const first = result.shown.reasons.replace(/ \+\d+ more$/, '');
      expect(result.status).toContain(`(${first}`);
    } else {
      expect(result.status).toBe(result.shown.pill);
    }
    return result;
  }

  const row = (id: string) => ui.db().prepare('SELECT payload FROM community_skills WHERE skill_id = ?').get(id) as { payload: string };

  it('says "Starting…" until the first snapshot arrives', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const early = await ui.newPage({ width: 400, height: 700 });
    await early.route('**/api/admin/sync/snapshot', async (route) => {
      await held;
      await route.continue();
    });
    await early.route('**/api/admin/sync/events', async (route) => {
      await held;
      await route.continue();
    });
    await early.goto(`${ui.url}/`);
    await status(early).filter({ hasText: 'Starting…' }).waitFor();
    expect(await status(early).getAttribute('data-state')).toBe('starting');
    expect(await status(early).getAttribute('role')).toBe('status');
    expect(await status(early).getAttribute('aria-live')).toBe('polite');
    // Before any snapshot the dashboard has nothing to show either.
    expect(await early.getByTestId('sync-panel').count()).toBe(0);
    release();
    await early.getByTestId('sync-panel').waitFor();
    await early.context().close();
  });

  it('starting: an engine that has not synced yet is "Starting…", as the tray says', async () => {
    await page.goto(`${ui.url}/`);
    const { shown: header } = await expectParity('starting');
    expect(header.pill).toBe('Starting…');
  });

  it('syncing: a run in progress, with its progress, as the tray says', async () => {
    ui.emulator.setFaults({ latency_ms: 600 });
    try {
      const answer = await fetch(`${ui.url}/api/admin/sync/trigger?mode=full`, { method: 'POST' });
      expect(answer.status).toBe(202);
      const { shown: header, status: line } = await expectParity('syncing');
      expect(header.pill).toBe('Syncing');
      expect(line).toMatch(/^Syncing/);
    } finally {
      ui.emulator.setFaults({});
    }
    await waitForSnapshot(ui.engine, (s) => s.sync.status === 'idle' && s.sync.last_sync !== null, 30_000);
  });

  it('healthy: synced, connected, nothing open', async () => {
    await waitForSnapshot(ui.engine, (s) => s.websocket.connected);
    const { shown: header } = await expectParity('healthy');
    expect(header.pill).toBe('Healthy');
    expect(header.reasons).toBeNull();
  });

  it('paused: "Pause for 1 hour" says until when, and the header says Paused', async () => {
    await page.getByRole('button', { name: 'Pause for 1 hour' }).click();
    const paused = await waitForSnapshot(ui.engine, (s) => s.sync.paused && s.sync.paused_until !== null);
    const until = new Date(paused.sync.paused_until!);
    expect(until.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    const clock = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
    await page.getByTestId('paused-until').filter({ hasText: `Paused until ${clock}.` }).waitFor();
    const { shown: header } = await expectParity('paused');
    expect(header.pill).toBe('Paused');
    await page.getByRole('button', { name: 'Resume sync' }).click();
    await expectParity('healthy');
    expect(await page.getByTestId('paused-until').count()).toBe(0);
  });

  it('degraded: an open critical conflict is never green — "Needs attention", and why', async () => {
    const id = (ui.db().prepare('SELECT skill_id FROM community_skills ORDER BY skill_id LIMIT 1').get() as { skill_id: string }).skill_id;
    const code = (JSON.parse(row(id).payload) as { code?: string }).code ?? '';
    // The local Atom app edits the code; the remote changes it too: a critical clash.
    ui.db().prepare(`UPDATE community_skills SET payload = json_set(payload, '$.code', ?) WHERE skill_id = ?`).run(`${code}\n# local`, id);
    ui.emulator.mutate({ update_ids: [id], set: { code: `${code}\n# remote` }, push: false });
    const outcome = await ui.engine.services.sync.trigger('incremental', 'manual');
    expect(outcome.accepted).toBe(true);
    await waitForSnapshot(ui.engine, (s) => (s.conflicts.by_severity.critical ?? 0) > 0 && s.sync.status === 'idle');
    const { shown: header, status: line } = await expectParity('degraded');
    expect(header.pill).toBe('Needs attention');
    expect(line).toContain('1 open conflict, 1 critical');
    // The health card below does not contradict it: its checks pass, and it says what waits.
    await page.getByTestId('health-lead').filter({ hasText: 'something needs your attention: 1 open conflict, 1 critical' }).waitFor();

    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/`);
      await status(shot).filter({ hasText: 'Needs attention' }).waitFor();
      await shot.getByTestId('sync-panel').waitFor();
      expect(await horizontalOverflow(shot)).toBe(0);
      await screenshot(shot, `needs-attention-${variant.width}x${variant.height}-${variant.colorScheme}`, { fullPage: false });
      await shot.context().close();
    }

    const open = (await (await fetch(`${ui.url}/api/admin/sync/conflicts`)).json()) as { items: Array<{ id: number }> };
    for (const item of open.items) {
      const answer = await fetch(`${ui.url}/api/admin/sync/conflicts/${item.id}/resolve?strategy=local_wins`, { method: 'POST' });
      expect(answer.status).toBe(200);
    }
    await expectParity('healthy');
  });

  it('degraded: a failed rating upload is named too', async () => {
    const id = (ui.db().prepare('SELECT skill_id FROM community_skills ORDER BY skill_id LIMIT 1 OFFSET 3').get() as { skill_id: string }).skill_id;
    ui.emulator.setFaults({ reject_ratings_for: [id] });
    try {
      await ui.engine.services.ratings.addLocalRating({ skill_id: id, user_id: 'e2e-user', rating: 3 });
      await ui.engine.services.ratings.syncNow();
      await waitForSnapshot(ui.engine, (s) => s.ratings.failed_count === 1);
    } finally {
      ui.emulator.setFaults({});
    }
    const { shown: header, status: line } = await expectParity('degraded');
    expect(header.pill).toBe('Needs attention');
    expect(line).toContain('1 failed upload');
  });

  it('unhealthy: a token Atom SaaS refuses is "Not syncing", and says so', async () => {
    const answer = await fetch(`${ui.url}/api/admin/sync/config`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_url: ui.remote!.apiUrl, api_token: 'e2e-not-the-token' }),
    });
    expect(answer.status).toBe(200);
    await waitForSnapshot(ui.engine, (s) => s.sync.last_error_kind === 'auth' && s.sync.status === 'idle', 30_000);
    const { shown: header, status: line } = await expectParity('unhealthy');
    expect(header.pill).toBe('Not syncing');
    expect(line).toContain('Atom SaaS refused the API token');
    await screenshot(page, 'not-syncing-1280x800-light', { fullPage: false });
    // Where to fix it, without a terminal.
    await page.getByTestId('auth-notice').getByRole('link', { name: 'Enter a new token' }).click();
    await page.getByRole('heading', { name: 'Connect to Atom SaaS' }).waitFor();
  });

  it('raised no console errors, page errors or requests beyond 127.0.0.1', () => {
    expect(ui.problems).toEqual([]);
  });
});
