#!/usr/bin/env node
/**
 * Headless entry (`atom-sync`, systemd, Kubernetes): the same engine and API as the desktop app.
 * SIGTERM/SIGINT stop it gracefully: the batch in flight commits or rolls back, the DB closes.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/index.js';
import { ConfigError, loadConfig, readEnv } from './config/index.js';
import { loadSettings, type SettingsSource } from './config/savedSettings.js';
import { jsonSettingsFile, settingsFileFor } from './config/settingsFile.js';
import { createEngine } from './index.js';
import { createShutdown } from './lifecycle/shutdown.js';
import { DatabaseConnectionError } from './store/pg/connection.js';
import { SchemaTooNewError } from './store/storeErrors.js';

const STOP_DEADLINE_MS = 5_000;

export async function runDaemon(): Promise<void> {
  let config;
  let settings: SettingsSource;
  try {
    const env = readEnv();
    const file = settingsFileFor(env, loadConfig(env).dbPath);
    settings = { env, cwd: process.cwd(), persistence: jsonSettingsFile(file, (message) => process.stderr.write(`atom-sync: ${message}\n`)) };
    try {
      config = loadSettings(settings);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(error.variable, `${error.message} (saved in ${file})`);
      throw error;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`atom-sync: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let engine;
  try {
    // Demo mode syncs with the emulator, a shipped stand-in for Atom SaaS.
    engine = await createEngine(config, { settings, demoRemote: startEmulator });
    await engine.start();
  } catch (error) {
    const plain = error instanceof SchemaTooNewError || error instanceof ConfigError || error instanceof DatabaseConnectionError;
    const message = plain ? error.message : (error as Error).stack;
    process.stderr.write(`atom-sync: could not start: ${message}\n`);
    process.exit(1);
  }

  // A promise nobody awaited must not take the daemon down with the work it was doing; it is a bug to log.
  process.on('unhandledRejection', (reason) => {
    engine.log.error('unhandled rejection', { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
  });

  const shutdown = createShutdown({
    stop: (signal) => {
      engine.log.info('stopping', { signal });
      return engine.stop();
    },
    exit: (outcome) => process.exit(outcome === 'stopped' ? 0 : 1),
    deadlineMs: STOP_DEADLINE_MS,
    onError: (message) => engine.log.error(message),
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown.run(signal));
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) void runDaemon();
