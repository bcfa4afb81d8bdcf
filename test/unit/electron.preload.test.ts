/**
 * The preload as it ships (bundled by scripts/build-preload.mjs), run in a bare VM context the
 * way a sandboxed renderer runs it: CommonJS, `require` answering only 'electron'.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../electron/ipcChannels.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Exposed {
  request(req: unknown): Promise<{ status: number; body: unknown }>;
  onEvent(cb: (name: string, data: unknown) => void): () => void;
}

/** Electron's renderer-side modules as far as a sandboxed preload sees them, recording calls. */
function rendererElectron() {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return Promise.resolve({ status: 200, body: { ok: true } });
      },
      on: (channel: string, fn: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(fn);
      },
      removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
    },
  };
  const require = (id: string) => {
    required.push(id);
    if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
    return electron;
  };
  const emit = (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((fn) => fn({ sender: 'ipc-event' }, ...args));
  return { exposed, invoked, required, listeners, require, emit };
}

let dir: string;
let code: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atom-preload-'));
  const out = path.join(dir, 'preload.cjs');
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build-preload.mjs'), out], { cwd: repo, timeout: 60_000 });
  code = readFileSync(out, 'utf8');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load() {
  const env = rendererElectron();
  const module = { exports: {} };
  vm.runInNewContext(code, { require: env.require, module, exports: module.exports }, { filename: 'preload.cjs' });
  return env;
}

describe('preload bundle', () => {
  it('is self-contained CommonJS that requires nothing but electron', () => {
    expect(code).not.toMatch(/^\s*import\s/m);
    const env = load();
    expect([...new Set(env.required)]).toEqual(['electron']);
  });

  it('exposes exactly window.atomSync = {request, onEvent}', () => {
    const env = load();
    expect([...env.exposed.keys()]).toEqual(['atomSync']);
    const api = env.exposed.get('atomSync') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['onEvent', 'request']);
  });

  it('sends requests on the shared channel, copying only method, path and body', async () => {
    const env = load();
    const api = env.exposed.get('atomSync') as Exposed;
    const answer = await api.request({ method: 'POST', path: '/api/admin/sync/trigger', body: { mode: 'full' }, extra: 'dropped' });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(env.invoked).toEqual([
      { channel: IPC_CHANNELS.request, args: [{ method: 'POST', path: '/api/admin/sync/trigger', body: { mode: 'full' } }] },
    ]);
  });

  it('carries a settings change (PUT) like any other request', async () => {
    const env = load();
    const api = env.exposed.get('atomSync') as Exposed;
    await api.request({ method: 'PUT', path: '/api/admin/sync/config', body: { notifications: 'none' } });
    expect(env.invoked).toEqual([
      { channel: IPC_CHANNELS.request, args: [{ method: 'PUT', path: '/api/admin/sync/config', body: { notifications: 'none' } }] },
    ]);
  });

  it('delivers events as (name, data) without the IPC event object, and unsubscribes', () => {
    const env = load();
    const api = env.exposed.get('atomSync') as Exposed;
    const seen: unknown[][] = [];
    const off = api.onEvent((name, data) => seen.push([name, data]));
    env.emit(IPC_CHANNELS.event, 'sync.progress', { done: 3 });
    off();
    env.emit(IPC_CHANNELS.event, 'sync.finished', {});
    expect(seen).toEqual([['sync.progress', { done: 3 }]]);
    expect(env.listeners.get(IPC_CHANNELS.event)?.size).toBe(0);
    expect(() => api.onEvent('nope' as never)).toThrow('needs a callback');
  });
});
