import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsResponse } from '../../engine/contracts/localHttpApi.js';
import { waitFor } from '../support/waitFor.js';
import { chromiumMissing, horizontalOverflow, screenshot, startUi, unlabelledControls, VARIANTS, waitForSnapshot, type UiHarness } from './support/uiHarness.js';

const TOKEN = 'e2e-settings-token-91c2';
const MINUTE = 60_000;

describe.skipIf(chromiumMissing)('Settings in Chromium: change, apply live, environment read-only, help (real engine, demo mode)', () => {
  let ui: UiHarness;
  let page: Page;

  beforeAll(async () => {
    ui = await startUi({ skills: 80, settings: true, namedPort: true, env: { ATOM_SAAS_RATING_BATCH_SIZE: '25' } });
    await waitForSnapshot(ui.engine, (s) => s.sync.last_sync !== null && s.sync.status === 'idle');
    // A refused value is answered 400 on purpose, and the browser logs that answer.
    page = await ui.newPage({ expectedConsole: /status of 400/ });
    await page.goto(`${ui.url}/#/settings`);
    await page.getByTestId('settings-form').waitFor();
  }, 60_000);

  afterAll(async () => {
    await ui?.close();
  });

  const api = async <T,>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(`${ui.url}/api/admin/sync${path}`, init)).json()) as T;
  const config = () => api<Record<string, unknown>>('/config');
  const field = (name: string, p: Page = page) => p.getByTestId(`field-${name}`);
  const save = (p: Page = page) => p.getByRole('button', { name: /^Save changes/ });

  it('shows every setting the engine lists; one set by the environment is read-only and says so', async () => {
    const settings = await api<SettingsResponse>('/settings');
    for (const f of settings.fields) await field(f.name).waitFor();
    const locked = field('rating_batch_size');
    expect(await locked.getAttribute('data-locked')).toBe('true');
    await locked.getByText('set by environment', { exact: true }).waitFor();
    await locked.getByText('ATOM_SAAS_RATING_BATCH_SIZE sets this', { exact: false }).waitFor();
    const input = locked.locator('input');
    expect(await input.inputValue()).toBe('25');
    expect(await input.evaluate((el) => (el as unknown as { readOnly: boolean }).readOnly)).toBe(true);
    // Typing into it changes nothing, and Save stays off.
    await input.press('Backspace');
    expect(await input.inputValue()).toBe('25');
    expect(await save().isDisabled()).toBe(true);
    expect(await field('sync_interval_minutes').getAttribute('data-locked')).toBe('false');
    // The read-only list below: the port is an identifier, not a quantity ("41234", never "41,234").
    const port = page.getByTestId('settings').locator('dt', { hasText: /^Port$/ }).locator('xpath=following-sibling::dd[1]');
    const configured = (await config()).port as number;
    expect(configured).toBeGreaterThanOrEqual(1000);
    expect(await port.textContent()).toBe(String(configured));
    await page.getByTestId('settings').locator('dt', { hasText: /^Instance ID$/ }).waitFor();
  });

  it('a changed sync interval is saved alone and applied live: GET /config and the next sync move, another window follows', async () => {
    const other = await ui.newPage({ width: 400, height: 700 });
    await other.goto(`${ui.url}/#/settings`);
    await field('sync_interval_minutes', other).locator('input').waitFor();
    expect(await field('sync_interval_minutes', other).locator('input').inputValue()).toBe('30');
    const before = Date.parse(ui.engine.snapshot().sync.next_sync!);
    expect(before - Date.now()).toBeGreaterThan(20 * MINUTE);

    // What is sent: only the changed field.
    const sent: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT') sent.push(request.postDataJSON());
    });
    await field('sync_interval_minutes').locator('input').fill('5');
    await save().filter({ hasText: 'Save changes (1)' }).click();
    await page.getByText('Saved and applied: Sync interval.').waitFor();
    expect(sent).toEqual([{ sync_interval_minutes: 5 }]);
    expect((await config()).sync_interval_minutes).toBe(5);
    const moved = await waitForSnapshot(ui.engine, (s) => s.sync.next_sync !== null && Date.parse(s.sync.next_sync) - Date.now() <= 5 * MINUTE + 5_000);
    expect(Date.parse(moved.sync.next_sync!)).toBeLessThan(before);
    // The other window got config.changed and reloaded the form by itself.
    await waitFor(async () => (await field('sync_interval_minutes', other).locator('input').inputValue()) === '5', 10_000, 50);
    expect((await field('sync_interval_minutes', other).getAttribute('data-locked'))).toBe('false');
    expect(await save().isDisabled()).toBe(true);
    await other.context().close();
  });

  it('a value out of range is stopped in the form; one the engine refuses (400) is shown at its field, and nothing is saved', async () => {
    const interval = field('sync_interval_minutes');
    await interval.locator('input').fill('0');
    await save().click();
    await interval.getByRole('alert').filter({ hasText: 'Enter a number from 1 to 10,080 min.' }).waitFor();
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await interval.getByRole('alert').count()).toBe(0);
    expect(await interval.locator('input').inputValue()).toBe('5');

    // An address the form accepts but the engine's parser does not (a socket needs ws:// or wss://).
    const ws = field('ws_url');
    await ws.locator('input').fill('http://127.0.0.1:9/socket');
    await save().click();
    const alert = ws.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/ws_url/);
    await page.getByText('Nothing was saved: one setting needs fixing.').waitFor();
    expect((await config()).ws_url).not.toBe('http://127.0.0.1:9/socket');
    await page.getByRole('button', { name: 'Discard' }).click();
  });

  it('the token is write-only: replace it, it is stored but never shown; forget it', async () => {
    const token = field('api_token');
    await token.getByText('No token is stored.').waitFor();
    await token.getByRole('button', { name: 'Add token' }).click();
    const input = token.locator('input[type="password"]');
    await input.fill(TOKEN);
    await save().click();
    await page.getByText('Saved and applied: API token.').waitFor();
    await token.getByText('A token is stored. It is never shown.').waitFor();
    expect(await token.locator('input').count()).toBe(0);
    expect((await config()).token_configured).toBe(true);
    expect(JSON.stringify(await api('/settings'))).not.toContain(TOKEN);
    expect(await page.content()).not.toContain(TOKEN);
    await token.getByRole('button', { name: 'Replace token' }).waitFor();
  });

  it('Help: the diagnostics bundle downloads in a browser (no token inside), the log path is shown, the log level switches until restart', async () => {
    const help = page.getByTestId('help-section');
    const [download] = await Promise.all([page.waitForEvent('download'), help.getByRole('link', { name: 'Create diagnostics bundle' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^atom-sync-support-.*\.tar\.gz$/);
    const file = await download.path();
    const tar = gunzipSync(await readFile(file));
    expect(tar.length).toBeGreaterThan(1024);
    expect(tar.includes(Buffer.from(TOKEN))).toBe(false);
    expect(tar.includes(Buffer.from('status.json'))).toBe(true);

    expect(await help.getByTestId('log-path').textContent()).toBe((await config()).log_path);

    const level = help.getByLabel('Log level');
    await waitFor(async () => (await level.inputValue()) === 'warn', 10_000, 50);
    await level.selectOption('debug');
    await help.getByText('The log level is now “Everything (debug)” until Atom Sync restarts.').waitFor();
    expect((await api<{ level: string }>('/log-level')).level).toBe('debug');
    await level.selectOption('warn');
    await help.getByText(/now “Warnings and errors”/).waitFor();
  });

  it('Forget token removes it on save (undo before saving keeps it)', async () => {
    const token = field('api_token');
    await token.getByRole('button', { name: 'Forget token' }).click();
    await token.getByText('The stored token will be forgotten when you save.').waitFor();
    await token.getByRole('button', { name: 'Keep token' }).click();
    await token.getByText('A token is stored. It is never shown.').waitFor();
    await token.getByRole('button', { name: 'Forget token' }).click();
    await save().click();
    await page.getByText('Saved and applied: API token.').waitFor();
    await token.getByText('No token is stored.').waitFor();
    expect((await config()).token_configured).toBe(false);
  });

  it('in the desktop window (the bridge carries text only) the bundle is written on the engine’s machine and its path shown; PUT passes the bridge', async () => {
    const desktop = await ui.newPage({ bridge: true });
    await desktop.goto(`${ui.url}/#/settings`);
    expect(await desktop.evaluate<boolean>('typeof window.atomSync === "object"')).toBe(true);
    const help = desktop.getByTestId('help-section');
    expect(await help.getByRole('link', { name: 'Create diagnostics bundle' }).count()).toBe(0);
    await help.getByRole('button', { name: 'Create diagnostics bundle' }).click();
    const saved = help.getByTestId('bundle-saved');
    await saved.waitFor({ timeout: 20_000 });
    const path = (await saved.locator('code').textContent())!;
    expect(path).toMatch(/atom-sync-support-.*\.tar\.gz$/);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).size).toBeGreaterThan(1024);

    await field('full_sync_interval_minutes', desktop).locator('input').fill('720');
    await save(desktop).click();
    await desktop.getByText('Saved and applied: Full listing at least every.').waitFor();
    expect((await config()).full_sync_interval_minutes).toBe(720);
    await desktop.context().close();
  });

  it('looks right at 1280×800 and 400×700, light and dark, with nothing scrolling sideways', async () => {
    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/#/settings`);
      await shot.getByTestId('settings-form').waitFor();
      await shot.getByTestId('settings').waitFor();
      expect(await horizontalOverflow(shot), `settings at ${variant.width}px`).toBe(0);
      expect(await unlabelledControls(shot)).toEqual([]);
      await screenshot(shot, `settings-form-${variant.width}x${variant.height}-${variant.colorScheme}`);
      // A pending edit, as the window shows it: the save bar stays at the bottom of the view.
      await field('sync_interval_minutes', shot).locator('input').fill('15');
      await field('rating_batch_size', shot).scrollIntoViewIfNeeded();
      expect(await horizontalOverflow(shot)).toBe(0);
      await screenshot(shot, `settings-pending-${variant.width}x${variant.height}-${variant.colorScheme}`, { fullPage: false });
      await shot.context().close();
    }
  });

  it('raised no console errors, page errors or requests beyond 127.0.0.1', () => {
    expect(ui.problems).toEqual([]);
  });
});
