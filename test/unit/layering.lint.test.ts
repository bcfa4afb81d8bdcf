/**
 * The layer rules of eslint.config.js, proven on code that breaks them: each wrong import is
 * linted as if it sat at its path in the repository, with the repository's own configuration.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** What ESLint says about `code` placed at `file` (relative to the repository). */
async function lint(file: string, code: string): Promise<Array<{ ruleId: string | null; message: string }>> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

const NO_EMULATOR = /engine\/ never imports the emulator/;

describe('layer rules', () => {
  it('refuse the emulator in engine/, imported statically or with import()', async () => {
    const fixed = await lint('engine/demo.ts', "import { startEmulator } from '../emulator/index.js';\nexport const demo = startEmulator;\n");
    expect(fixed).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(NO_EMULATOR) }]);
    const dynamic = await lint('engine/demo.ts', "export const demo = () => import('../emulator/index.js');\n");
    expect(dynamic).toEqual([{ ruleId: 'no-restricted-syntax', message: expect.stringMatching(NO_EMULATOR) }]);
  });

  it('refuse the emulator in engine/ also as a type import', async () => {
    const messages = await lint('engine/sync/x.ts', "import type { EmulatorHandle } from '../../emulator/index.js';\nexport type Handle = EmulatorHandle;\n");
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(NO_EMULATOR) }]);
  });

  it('keep SQL out of the services', async () => {
    const messages = await lint('engine/sync/x.ts', "import Database from 'better-sqlite3';\nexport const open = () => new Database(':memory:');\n");
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/SQL runs in the store worker only/) }]);
  });

  it('keep the engine-wide bans in the store, whose own block lists more', async () => {
    const electron = await lint('engine/store/x.ts', "import { app } from 'electron';\nexport const name = app.name;\n");
    expect(electron).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/engine\/ runs without Electron/) }]);
    const dynamic = await lint('engine/store/x.ts', "export const load = () => import('electron');\n");
    expect(dynamic).toEqual([{ ruleId: 'no-restricted-syntax', message: expect.stringMatching(/engine\/ runs without Electron/) }]);
    const services = await lint('engine/store/x.ts', "import { SyncScheduler } from '../sync/scheduler.js';\nexport const s = SyncScheduler;\n");
    expect(services).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/the store sits below the services/) }]);
  });

  it('keep the renderer to the contract types and the shared status rules', async () => {
    const messages = await lint('renderer/src/x.ts', "import { CatalogueSyncService } from '../../engine/sync/catalogueSync.js';\nexport const s = CatalogueSyncService;\n");
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/renderer\/ talks to the engine over HTTP only/) }]);
  });

  it('let the composition roots start the emulator, and nothing more of it', async () => {
    const start = "import { startEmulator } from '../emulator/index.js';\nexport const demo = startEmulator;\n";
    expect(await lint('engine/daemon.ts', start)).toEqual([]);
    expect(await lint('electron/main.ts', start)).toEqual([]);
    const more = await lint('electron/main.ts', "import { API_BASE_PATH } from '../emulator/index.js';\nexport const base = API_BASE_PATH;\n");
    expect(more).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/uses nothing else of it/) }]);
    const inside = await lint('electron/main.ts', "import { EmulatorCore } from '../emulator/core.js';\nexport const core = EmulatorCore;\n");
    expect(inside).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/imports the emulator's entry point only/) }]);
    const shell = await lint('electron/trayController.ts', start);
    expect(shell).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringMatching(/electron\/ never imports the emulator/) }]);
  });

  it('pass an import that follows the layers', async () => {
    const messages = await lint('renderer/src/x.ts', "import type { SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';\nexport type Status = SyncStatusResponse;\n");
    expect(messages).toEqual([]);
  });
});
