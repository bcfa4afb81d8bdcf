import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/waitFor.js';
import { chromiumMissing, horizontalOverflow, screenshot, startUi, unlabelledControls, VARIANTS, waitForSnapshot, type UiHarness } from './support/uiHarness.js';

interface SkillRow {
  skill_id: string;
  description: string | null;
  payload: string;
  local_modified_at: string | null;
}

describe.skipIf(chromiumMissing)('failed uploads and conflicts in Chromium against the real engine (demo mode)', () => {
  let ui: UiHarness;
  let page: Page;
  let skillIds: string[];

  beforeAll(async () => {
    ui = await startUi({ skills: 200, env: { ATOM_SAAS_RATING_MAX_ATTEMPTS: '1' } });
    await waitForSnapshot(ui.engine, (s) => s.sync.last_sync !== null && s.sync.status === 'idle' && s.websocket.connected);
    skillIds = (ui.db().prepare('SELECT skill_id FROM community_skills ORDER BY skill_id LIMIT 10').all() as Array<{ skill_id: string }>).map((r) => r.skill_id);
    expect(skillIds).toHaveLength(10);
    page = await ui.newPage();
  }, 60_000);

  afterAll(async () => {
    await ui?.close();
  });

  const row = (id: string) => ui.db().prepare('SELECT skill_id, description, payload, local_modified_at FROM community_skills WHERE skill_id = ?').get(id) as SkillRow;

  /** An edit by the local Atom app: straight into SQLite (a trigger marks the row locally modified). */
  const editLocally = (id: string, fields: { description: string; code?: string }) => {
    const code = fields.code ?? (JSON.parse(row(id).payload) as { code?: string }).code ?? '';
    ui.db()
      .prepare(`UPDATE community_skills SET description = ?, payload = json_set(payload, '$.description', ?, '$.code', ?) WHERE skill_id = ?`)
      .run(fields.description, fields.description, code, id);
    expect(row(id).local_modified_at).not.toBeNull();
  };

  /** A remote change to the same skill, then a sync that meets it. */
  const changeRemotely = async (ids: string[], set: Record<string, string>) => {
    const before = ui.engine.snapshot().conflicts.unresolved;
    ui.emulator.mutate({ update_ids: ids, set, push: false });
    await ui.engine.services.sync.idle();
    const outcome = await ui.engine.services.sync.trigger('incremental', 'manual');
    expect(outcome.accepted).toBe(true);
    await ui.engine.services.sync.idle();
    await waitForSnapshot(ui.engine, (s) => s.conflicts.unresolved >= before + ids.length);
  };

  it('lists a rejected rating upload and retries it from the table once the cause is gone', async () => {
    const [rejected, alsoRejected] = skillIds as [string, string];
    ui.emulator.setFaults({ reject_ratings_for: [rejected, alsoRejected] });
    const first = await ui.engine.services.ratings.addLocalRating({ skill_id: rejected, user_id: 'e2e-user', rating: 4, comment: 'useful' });
    ui.engine.services.ratings.addLocalRating({ skill_id: alsoRejected, user_id: 'e2e-user', rating: 2 });
    await ui.engine.services.ratings.syncNow();
    await waitForSnapshot(ui.engine, (s) => s.ratings.failed_count === 2);

    await page.goto(`${ui.url}/#/uploads`);
    const target = page.locator(`[data-testid="failed-upload-row"][data-skill-id="${rejected}"]`);
    await target.waitFor();
    expect(await page.getByTestId('failed-upload-row').count()).toBe(2);
    // The row shows the engine's own error sentence for this upload.
    const recorded = (await ui.engine.services.ratings.failedUploads(10, 0)).items.find((item) => item.skill_id === rejected);
    expect(recorded?.error).toBeTruthy();
    expect(await target.locator('.cell-error').textContent()).toBe(recorded!.error);
    await page.getByRole('link', { name: /Failed uploads\s*2/ }).waitFor();
    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/#/uploads`);
      await shot.getByTestId('failed-upload-row').first().waitFor();
      expect(await horizontalOverflow(shot)).toBe(0);
      expect(await unlabelledControls(shot)).toEqual([]);
      await screenshot(shot, `uploads-${variant.width}x${variant.height}-${variant.colorScheme}`);
      await shot.context().close();
    }

    // Still refused: the row says why and stays.
    await target.getByRole('button', { name: /Retry/ }).click();
    await target.locator('.outcome-error').waitFor();

    ui.emulator.setFaults({});
    await target.getByRole('button', { name: /Retry/ }).click();
    await target.getByText('Uploaded', { exact: true }).waitFor();
    const received = ui.emulator.receivedRatings();
    expect(JSON.stringify(received)).toContain(first.id);

    // Retry all takes the rest; the list empties.
    await page.getByRole('button', { name: 'Retry all' }).click();
    await waitForSnapshot(ui.engine, (s) => s.ratings.failed_count === 0);
    await page.reload();
    await page.getByText('No failed uploads').waitFor();
    await page.getByRole('link', { name: /Failed uploads\s*0/ }).waitFor();
  });

  it('resolves a clashing conflict by choosing per field; it leaves the list and the DB holds the merged row', async () => {
    const id = skillIds[2]!;
    editLocally(id, { description: 'local edit', code: 'print("local")\nprint("shared")' });
    await changeRemotely([id], { description: 'remote edit', code: 'print("remote")\nprint("shared")' });

    await page.goto(`${ui.url}/#/conflicts`);
    const listed = page.locator(`[data-testid="conflict-row"][data-entity-id="${id}"]`);
    await listed.waitFor();
    expect(await listed.locator('[data-severity]').getAttribute('data-severity')).toBe('critical');
    await listed.getByRole('link').click();

    await page.getByTestId('conflict-detail').waitFor();
    await page.locator('[data-testid="field-row"][data-field="description"][data-clash="true"]').waitFor();
    await page.locator('[data-testid="field-row"][data-field="code"][data-clash="true"]').waitFor();
    const diff = page.getByTestId('diff-code');
    await diff.locator('.diff-removed', { hasText: 'print("local")' }).waitFor();
    await diff.locator('.diff-added', { hasText: 'print("remote")' }).waitFor();
    await diff.locator('.diff-same', { hasText: 'print("shared")' }).waitFor();

    await page.getByRole('button', { name: 'Merge…' }).click();
    // Without a choice the form says which field needs one.
    await page.getByRole('button', { name: 'Resolve with merge' }).click();
    await page.getByTestId('merge-field-description').getByText('Choose local, remote or a new value.').waitFor();

    await page.getByTestId('merge-field-description').getByLabel('Remote').check();
    await page.getByTestId('merge-field-code').getByLabel('Edit value').check();
    const merged = 'print("merged")\nprint("shared")';
    await page.getByTestId('merge-field-code').locator('textarea').fill(merged);
    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/#/conflicts/${await page.evaluate<string>("location.hash.split('/').pop()")}`);
      await shot.getByTestId('conflict-detail').waitFor();
      await shot.getByRole('button', { name: 'Merge…' }).click();
      await shot.getByTestId('merge-field-code').getByLabel('Edit value').check();
      expect(await horizontalOverflow(shot)).toBe(0);
      expect(await unlabelledControls(shot)).toEqual([]);
      await screenshot(shot, `conflict-detail-${variant.width}x${variant.height}-${variant.colorScheme}`);
      await shot.context().close();
    }
    await page.getByRole('button', { name: 'Resolve with merge' }).click();

    // Back on the list, the conflict is gone and the notice says what happened.
    // Polled from here: waitForFunction evaluates a string in the page, which its CSP forbids.
    await waitFor(async () => (await page.evaluate<string>('location.hash')) === '#/conflicts', 10_000, 50);
    await page.getByText(/resolved \(Merge\)/).waitFor();
    await listed.waitFor({ state: 'detached' });
    const stored = row(id);
    expect(stored.description).toBe('remote edit');
    expect((JSON.parse(stored.payload) as { code: string }).code).toBe(merged);

    await page.getByRole('link', { name: 'Resolved' }).click();
    const history = page.locator('[data-testid="resolved-row"]', { hasText: 'Merge' });
    await history.first().waitFor();
    expect(await history.first().textContent()).toMatch(/Merge/);
  });

  it('filters by severity and resolves several conflicts at once after a confirm step', async () => {
    const [a, b] = [skillIds[3]!, skillIds[4]!];
    editLocally(a, { description: 'local A' });
    editLocally(b, { description: 'local B', code: 'echo local' });
    await changeRemotely([a, b], { description: 'remote both' });
    ui.emulator.mutate({ update_ids: [b], set: { code: 'echo remote' }, push: false });
    ui.engine.services.sync.trigger('incremental', 'manual');
    await ui.engine.services.sync.idle();

    await page.goto(`${ui.url}/#/conflicts`);
    await page.locator(`[data-testid="conflict-row"][data-entity-id="${a}"]`).waitFor();
    await page.locator(`[data-testid="conflict-row"][data-entity-id="${b}"]`).waitFor();

    await page.getByLabel('Severity').selectOption('critical');
    await page.locator(`[data-testid="conflict-row"][data-entity-id="${a}"]`).waitFor({ state: 'detached' });
    const criticalRows = page.getByTestId('conflict-row');
    const severities = await criticalRows.locator('[data-severity]').evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));
    expect(severities.length).toBeGreaterThan(0);
    expect(new Set(severities)).toEqual(new Set(['critical']));
    await page.getByLabel('Severity').selectOption('');
    await page.locator(`[data-testid="conflict-row"][data-entity-id="${a}"]`).waitFor();

    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/#/conflicts`);
      await shot.getByTestId('conflict-row').first().waitFor();
      expect(await horizontalOverflow(shot)).toBe(0);
      expect(await unlabelledControls(shot)).toEqual([]);
      await screenshot(shot, `conflicts-${variant.width}x${variant.height}-${variant.colorScheme}`);
      await shot.context().close();
    }

    const open = ui.engine.snapshot().conflicts.unresolved;
    await page.getByLabel(/Select conflict for .*/).first().waitFor();
    for (const id of [a, b]) await page.locator(`[data-testid="conflict-row"][data-entity-id="${id}"]`).getByRole('checkbox').check();
    await page.getByText('2 conflicts selected').waitFor();
    await page.getByRole('button', { name: 'Local wins…' }).click();
    // Nothing happens until confirmed.
    await page.getByText(/Resolve 2 conflicts with/).waitFor();
    expect(ui.engine.snapshot().conflicts.unresolved).toBe(open);
    await page.getByRole('button', { name: 'Confirm: Local wins' }).click();
    await page.getByText('Resolved 2 conflicts.').waitFor();
    for (const id of [a, b]) await page.locator(`[data-testid="conflict-row"][data-entity-id="${id}"]`).waitFor({ state: 'detached' });
    await waitForSnapshot(ui.engine, (s) => s.conflicts.unresolved === open - 2);
    expect(row(a).description).toBe('local A');
    expect(row(b).description).toBe('local B');
    if (open - 2 === 0) await page.getByText('No open conflicts').waitFor();

    for (const variant of VARIANTS) {
      const shot = await ui.newPage(variant);
      await shot.goto(`${ui.url}/#/conflicts/resolved`);
      await shot.getByTestId('resolved-row').first().waitFor();
      expect(await horizontalOverflow(shot)).toBe(0);
      expect(await unlabelledControls(shot)).toEqual([]);
      await screenshot(shot, `conflicts-resolved-${variant.width}x${variant.height}-${variant.colorScheme}`);
      await shot.context().close();
    }
  });

  it("shows the API's own error sentence for a conflict that does not exist", async () => {
    const answer = await fetch(`${ui.url}/api/admin/sync/conflicts/999999`);
    expect(answer.status).toBe(404);
    const { detail } = (await answer.json()) as { detail: string };
    // The browser logs the 404 itself; that one console line is expected here.
    const missing = await ui.newPage({ width: 400, height: 700, expectedConsole: /status of 404/ });
    await missing.goto(`${ui.url}/#/conflicts/999999`);
    await missing.getByRole('alert').filter({ hasText: detail }).waitFor();
    await missing.getByRole('button', { name: 'Try again' }).waitFor();
    await missing.context().close();
  });

  it('raised no console errors, page errors or requests beyond 127.0.0.1', () => {
    expect(ui.problems).toEqual([]);
  });
});
