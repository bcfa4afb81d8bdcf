import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, horizontalOverflow, screenshot, startUi, unlabelledControls, VARIANTS, waitForSnapshot, type UiHarness } from './support/uiHarness.js';

const SKILLS = 300;

describe.skipIf(chromiumMissing)('dashboard in Chromium against the real engine (demo mode)', () => {
  let ui: UiHarness;
  let page: Page;

  beforeAll(async () => {
    ui = await startUi({ skills: SKILLS });
    await waitForSnapshot(ui.engine, (s) => s.sync.last_sync !== null && s.websocket.connected && s.health.status === 'healthy');
    page = await ui.newPage();
    await page.goto(`${ui.url}/`);
    // Set once: if the page ever reloads, this mark is gone.
    await page.evaluate('window.__sameDocument = true');
  }, 60_000);

  afterAll(async () => {
    await ui?.close();
  });

  const status = () => page.getByTestId('overall-status');
  const stillSameDocument = () => page.evaluate<boolean>('window.__sameDocument === true');

  it('shows healthy after the first sync, with counts, checks, demo banner and run history', async () => {
    await status().filter({ hasText: 'Healthy' }).waitFor();
    await page.getByTestId('demo-banner').filter({ hasText: 'Syncing with a built-in sample catalogue, not with Atom SaaS.' }).waitFor();
    await page.getByTestId('skills-cached').filter({ hasText: String(SKILLS) }).waitFor();
    expect(await page.getByTestId('last-sync').textContent()).toMatch(/just now|s ago|min ago/);
    const checks = page.getByTestId('health-panel').locator('.check');
    expect(await checks.count()).toBe(5);
    await page.getByTestId('websocket-state').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('run-row').filter({ hasText: 'Succeeded' }).first().waitFor();
    // The chart is accessible: a title and a description that matches the table.
    const chart = page.getByTestId('runs-chart');
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.locator('title').first().textContent()).toBe('Sync durations of recent runs');
    expect(await chart.locator('desc').textContent()).toMatch(/finished run/);
    expect(await page.title()).toBe('Dashboard · Atom Sync');
  });

  it('Sync now shows progress while the run goes on, then the new counts', async () => {
    ui.emulator.mutate({ add: 40, push: false });
    // Slow the remote a little so the run is visibly in progress.
    ui.emulator.setFaults({ latency_ms: 300 });
    try {
      await page.getByRole('button', { name: 'Sync now' }).click();
      await page.getByTestId('sync-progress').waitFor();
      // While it runs, the sync buttons are disabled and say why.
      expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
      await page.getByText('A sync is running.').first().waitFor();
      await page.getByTestId('skills-cached').filter({ hasText: String(SKILLS + 40) }).waitFor({ timeout: 20_000 });
      await page.getByTestId('sync-progress').waitFor({ state: 'detached', timeout: 20_000 });
      expect(await page.getByRole('button', { name: 'Sync now' }).isEnabled()).toBe(true);
    } finally {
      ui.emulator.setFaults({});
    }
    expect(await stillSameDocument()).toBe(true);
  });

  it('looks right at 1280×800 and 400×700, light and dark, with nothing scrolling sideways', async () => {
    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      for (const [name, hash] of [
        ['dashboard-healthy', '#/'],
        ['settings', '#/settings'],
      ] as const) {
        await shot.goto(`${ui.url}/${hash}`);
        await shot.getByTestId('overall-status').filter({ hasText: 'Healthy' }).waitFor();
        if (name === 'settings') await shot.getByTestId('settings').waitFor();
        else await shot.getByTestId('runs-chart').waitFor();
        expect(await horizontalOverflow(shot), `${name} at ${variant.width}px`).toBe(0);
        expect(await unlabelledControls(shot)).toEqual([]);
        await screenshot(shot, `${name}-${variant.width}x${variant.height}-${variant.colorScheme}`);
      }
      await shot.context().close();
    }
  });

  it('works from the keyboard: Tab reaches Sync now with a visible focus ring, Enter starts a sync', async () => {
    const keyboard = await ui.newPage({ width: 400, height: 700 });
    await keyboard.goto(`${ui.url}/`);
    await keyboard.getByTestId('overall-status').filter({ hasText: 'Healthy' }).waitFor();
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'Sync now'; i++) {
      await keyboard.keyboard.press('Tab');
      focused = await keyboard.evaluate<string>('document.activeElement ? document.activeElement.textContent.trim() : ""');
    }
    expect(focused).toBe('Sync now');
    const outline = await keyboard.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).not.toBe('none');
    await keyboard.keyboard.press('Enter');
    await keyboard.getByText(/Sync started \(run \d+\)\./).waitFor();
    await ui.engine.services.sync.idle();
    await keyboard.context().close();
  });

  it('turns degraded live, without a reload, when the remote fails and the socket is refused', async () => {
    ui.emulator.setFaults({ ws_reject_status: 503 });
    ui.emulator.dropSockets();
    await page.getByTestId('websocket-state').filter({ hasText: 'Disconnected' }).waitFor();
    await status().filter({ hasText: 'Needs attention' }).waitFor();

    ui.emulator.setFaults({ ws_reject_status: 503, http_error_rate: 1, http_status: 503 });
    await page.getByRole('button', { name: 'Sync now' }).click();
    // The failed run lands in the table and the chart (marked), and the error in the list.
    await page.locator('[data-testid="run-row"][data-result="failure"]').first().waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="runs-chart"] [data-failed="true"]').first().waitFor();
    await page.getByTestId('recent-errors').filter({ hasText: /503|unavailable/i }).waitFor();
    await page.getByTestId('health-panel').filter({ hasText: /error/i }).waitFor();
    expect(await stillSameDocument()).toBe(true);
    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/`);
      await shot.getByTestId('overall-status').filter({ hasText: /Needs attention|Not syncing/ }).waitFor();
      await shot.getByTestId('runs-chart').waitFor();
      expect(await horizontalOverflow(shot)).toBe(0);
      await screenshot(shot, `dashboard-degraded-${variant.width}x${variant.height}-${variant.colorScheme}`);
      await shot.context().close();
    }
  });

  it('Reconnect brings the socket back once the remote accepts it again; a page without the live stream follows by polling', async () => {
    // A second page whose event stream is refused: it must say so and keep up by polling the snapshot.
    const polling = await ui.newPage({ width: 400, height: 700, expectedConsole: /net::ERR_FAILED/ });
    await polling.route('**/api/admin/sync/events', (route) => route.abort());
    await polling.goto(`${ui.url}/`);
    await polling.getByText('Live updates interrupted').waitFor();
    await polling.getByTestId('websocket-state').filter({ hasText: 'Disconnected' }).waitFor();

    ui.emulator.setFaults({});
    const before = ui.engine.snapshot().websocket.reconnect_count;
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByTestId('websocket-state').filter({ hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    await waitForSnapshot(ui.engine, (s) => s.websocket.reconnect_count > before);
    await page.getByTestId('ws-reconnects').filter({ hasText: String(ui.engine.snapshot().websocket.reconnect_count) }).waitFor();
    await polling.getByTestId('websocket-state').filter({ hasText: 'Connected' }).waitFor({ timeout: 12_000 });
    await polling.context().close();
    expect(await stillSameDocument()).toBe(true);
  });

  it('raised no console errors, page errors or requests beyond 127.0.0.1', () => {
    expect(ui.problems).toEqual([]);
  });
});
