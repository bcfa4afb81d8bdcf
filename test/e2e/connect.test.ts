import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionTestResult } from '../../engine/contracts/localHttpApi.js';
import { waitFor } from '../support/waitFor.js';
import { chromiumMissing, horizontalOverflow, screenshot, startUi, unlabelledControls, VARIANTS, waitForSnapshot, type UiHarness } from './support/uiHarness.js';

const TOKEN = 'e2e-right-token-7f3a';
const WRONG = 'e2e-wrong-token';
const REMOTE_SKILLS = 150;

describe.skipIf(chromiumMissing)('Connect screen in Chromium: first run, test, connect, first sync (real engine, emulator as Atom SaaS)', () => {
  let ui: UiHarness;
  let page: Page;

  beforeAll(async () => {
    // Small pages, so the first sync with the (slowed) remote takes several steps to watch.
    ui = await startUi({ skills: 60, settings: true, remote: { token: TOKEN, skills: REMOTE_SKILLS }, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '20' } });
    await waitForSnapshot(ui.engine, (s) => s.sync.last_sync !== null && s.sync.status === 'idle');
    // The refused value is answered 400 on purpose, and the browser logs that answer.
    page = await ui.newPage({ demoChosen: false, expectedConsole: /status of 400/ });
  }, 60_000);

  afterAll(async () => {
    await ui?.close();
  });

  const hash = (p: Page = page) => p.evaluate<string>('location.hash');
  const heading = (p: Page = page) => p.getByRole('heading', { name: 'Connect to Atom SaaS' });
  const urlField = (p: Page = page) => p.getByTestId('field-api_url');
  const tokenField = (p: Page = page) => p.getByTestId('field-api_token');
  const apiUrl = () => ui.remote!.apiUrl;

  /** What the engine itself answers for these values: the page must show that sentence as it is. */
  const engineSays = async (body: { api_url: string; api_token: string }): Promise<ConnectionTestResult> => {
    const answer = await fetch(`${ui.url}/api/admin/sync/test-connection`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(answer.status).toBe(200);
    return (await answer.json()) as ConnectionTestResult;
  };

  it('opens by itself on a first run in demo mode; the banner says what demo mode is and leads back here', async () => {
    await page.goto(`${ui.url}/`);
    await heading().waitFor();
    expect(await hash()).toBe('#/connect');
    expect(await page.title()).toBe('Connect · Atom Sync');
    const banner = page.getByTestId('demo-banner');
    await banner.filter({ hasText: 'Syncing with a built-in sample catalogue, not with Atom SaaS.' }).waitFor();
    // On the Connect screen itself the banner has no link to it.
    expect(await banner.getByRole('link').count()).toBe(0);
    // No token stored yet, and the field says so.
    await tokenField().getByText('No token is stored yet.', { exact: false }).waitFor();
    expect(await tokenField().locator('input').getAttribute('type')).toBe('password');
  });

  it('"Use demo mode" is one click away and remembered: the next start lands on the dashboard', async () => {
    const other = await ui.newPage({ width: 400, height: 700, demoChosen: false });
    await other.goto(`${ui.url}/`);
    await heading(other).waitFor();
    await other.getByRole('button', { name: 'Use demo mode' }).click();
    await other.getByTestId('sync-panel').waitFor();
    expect(await hash(other)).toBe('#/');
    await other.reload();
    await other.getByTestId('sync-panel').waitFor();
    // The settings have answered (the header shows a judged state) and the page stayed put.
    await other.getByTestId('overall-status').filter({ hasNotText: 'Starting' }).waitFor();
    await other.waitForTimeout(500);
    expect(await hash(other)).toBe('#/');
    expect(await heading(other).count()).toBe(0);
    // The banner's link brings the Connect screen back.
    await other.getByTestId('demo-banner').getByRole('link', { name: 'Connect to Atom SaaS' }).click();
    await heading(other).waitFor();
    await other.context().close();
  });

  it('checks the API URL in the form and says what is wrong beside the field', async () => {
    await urlField().locator('input').fill('atomagentos.com/api/v1/marketplace');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await urlField().getByRole('alert').filter({ hasText: 'This is not a full web address' }).waitFor();
    expect(await urlField().locator('input').getAttribute('aria-invalid')).toBe('true');
    await urlField().locator('input').fill('ftp://example.org/x');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await urlField().getByRole('alert').filter({ hasText: 'must start with https:// or http://' }).waitFor();
    // Connect without a token, when none is stored, asks for one.
    await tokenField().getByRole('alert').filter({ hasText: 'Enter the API token' }).waitFor();
    expect(await page.getByTestId('test-result').count()).toBe(0);
  });

  it('a wrong token: the test says so in plain words, the engine’s sentence as it is', async () => {
    await urlField().locator('input').fill(apiUrl());
    await tokenField().locator('input').fill(WRONG);
    expect(await urlField().getByRole('alert').count()).toBe(0);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor();
    const expected = await engineSays({ api_url: apiUrl(), api_token: WRONG });
    expect(expected.ok).toBe(false);
    expect(expected.outcome).toBe('auth');
    expect(await result.getAttribute('role')).toBe('alert');
    expect(await result.getAttribute('data-outcome')).toBe('auth');
    expect(await result.textContent()).toBe(`Connection failed${expected.message}`);
    // Plain words: no stack, no JSON, no status code jargon on its own.
    expect(expected.message).toMatch(/token/i);
    expect(expected.message).not.toMatch(/[{}]|Error:/);
    expect(await result.getByTestId('catalogue-size').count()).toBe(0);

    for (const variant of VARIANTS) {
      const shot = await ui.newPage({ ...variant, demoChosen: false });
      await shot.goto(`${ui.url}/#/connect`);
      await urlField(shot).locator('input').fill(apiUrl());
      await tokenField(shot).locator('input').fill(WRONG);
      await shot.getByRole('button', { name: 'Test connection' }).click();
      await shot.getByTestId('test-result').filter({ hasText: 'Connection failed' }).waitFor();
      expect(await horizontalOverflow(shot), `connect at ${variant.width}px`).toBe(0);
      expect(await unlabelledControls(shot)).toEqual([]);
      await screenshot(shot, `connect-failed-${variant.width}x${variant.height}-${variant.colorScheme}`);
      await shot.context().close();
    }
  });

  it('the right token: the test works and says how big the catalogue is', async () => {
    await tokenField().locator('input').fill(TOKEN);
    // Editing a field clears the old result: it no longer describes what is typed.
    expect(await page.getByTestId('test-result').count()).toBe(0);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result').filter({ hasText: 'Connection works' });
    await result.waitFor();
    expect(await result.getAttribute('role')).toBe('status');
    const expected = await engineSays({ api_url: apiUrl(), api_token: TOKEN });
    expect(expected).toMatchObject({ ok: true, outcome: 'ok', catalogue_size: REMOTE_SKILLS });
    await result.getByText(expected.message, { exact: true }).waitFor();
    expect(await result.getByTestId('catalogue-size').textContent()).toMatch(new RegExp(`^The catalogue has ${REMOTE_SKILLS} skills\\.`));
    // Testing saved nothing: still demo mode.
    expect(ui.engine.demoMode).toBe(true);
  });

  it('a value the engine refuses is shown beside the field it names (400 invalid_setting)', async () => {
    await tokenField().locator('input').fill('two words');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = tokenField().getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/api_token must be one word without spaces/);
    expect(ui.engine.demoMode).toBe(true);
  });

  it('Connect saves the address and token, then shows the first sync with its progress and a way to the dashboard', async () => {
    await tokenField().locator('input').fill(TOKEN);
    const remote = ui.remote!;
    remote.setFaults({ latency_ms: 250 });
    try {
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      const first = page.getByTestId('first-sync');
      await first.waitFor();
      // The real run's progress: the skills phase with a count, not just the placeholder.
      await first.getByTestId('sync-progress').filter({ hasText: /Skills/ }).waitFor({ timeout: 20_000 });
      expect(await first.locator('progress').count()).toBe(1);
      await screenshot(page, 'connect-first-sync-progress-1280x800-light', { fullPage: false });
      await page.locator('[data-testid="first-sync"][data-outcome="success"]').waitFor({ timeout: 30_000 });
    } finally {
      remote.setFaults({});
    }
    const done = page.getByTestId('first-sync');
    await done.getByText(`${REMOTE_SKILLS} skills`, { exact: false }).waitFor();
    await done.getByText(apiUrl(), { exact: true }).waitFor();
    const config = (await (await fetch(`${ui.url}/api/admin/sync/config`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ api_url: apiUrl(), demo_mode: false, token_configured: true });
    expect(ui.engine.snapshot().sync.skills_cached).toBe(REMOTE_SKILLS);
    // Demo mode is over: the banner goes, and the token is nowhere on the page.
    await page.getByTestId('demo-banner').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(TOKEN);
    for (const variant of VARIANTS.filter((v) => v.colorScheme === 'light')) {
      await page.setViewportSize({ width: variant.width, height: variant.height });
      expect(await horizontalOverflow(page)).toBe(0);
      await screenshot(page, `connect-first-sync-${variant.width}x${variant.height}-${variant.colorScheme}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await done.getByRole('link', { name: 'Go to the dashboard' }).click();
    await page.getByTestId('sync-panel').waitFor();
    await page.getByTestId('skills-cached').filter({ hasText: String(REMOTE_SKILLS) }).waitFor();
  });

  it('once connected, a new start opens the dashboard, and the Connect screen shows where it is connected', async () => {
    const later = await ui.newPage({ demoChosen: false });
    await later.goto(`${ui.url}/`);
    await later.getByTestId('sync-panel').waitFor();
    await later.waitForTimeout(500);
    expect(await hash(later)).toBe('');
    await later.goto(`${ui.url}/#/settings`);
    await later.getByRole('link', { name: 'Connect to Atom SaaS step by step' }).click();
    await heading(later).waitFor();
    await later.getByTestId('connected-to').filter({ hasText: apiUrl() }).waitFor();
    await later.getByTestId('field-api_token').getByText('A token is stored', { exact: false }).waitFor();
    // The stored token is never put back into the field.
    expect(await later.getByTestId('field-api_token').locator('input').inputValue()).toBe('');
    await waitFor(async () => (await hash(later)) === '#/connect', 5_000, 50);
    await later.context().close();
  });

  it('"Switch to demo mode" goes back to the sample catalogue in one click (the token stays stored)', async () => {
    const back = await ui.newPage({ width: 400, height: 700 });
    await back.goto(`${ui.url}/#/connect`);
    await back.getByTestId('connected-to').waitFor();
    await back.getByRole('button', { name: 'Switch to demo mode' }).click();
    await back.getByTestId('sync-panel').waitFor();
    expect(await hash(back)).toBe('#/');
    await back.getByTestId('demo-banner').waitFor({ timeout: 15_000 });
    const config = (await (await fetch(`${ui.url}/api/admin/sync/config`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ demo_mode: true, token_configured: true });
    await back.context().close();
  });

  it('raised no console errors, page errors or requests beyond 127.0.0.1', () => {
    expect(ui.problems).toEqual([]);
  });
});
