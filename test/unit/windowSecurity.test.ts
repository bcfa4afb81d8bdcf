import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, contentTypeFor, resolveAppFile, responseHeaders } from '../../electron/model/appFiles.js';
import { allowNavigation, APP_ORIGIN, appUrl, isAppUrl, windowOpenDecision, windowOptions } from '../../electron/model/windowOptions.js';

describe('window options', () => {
  const options = windowOptions({ preloadPath: '/app/dist/electron/preload.cjs', iconPath: '/app/resources/icon.png', devTools: false });

  it('isolates and sandboxes the page, with Node kept out of it', () => {
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      devTools: false,
    });
  });

  it('is shown only when ready (no white flash) and carries the app icon', () => {
    expect(options.show).toBe(false);
    expect(options.icon).toBe('/app/resources/icon.png');
  });

  it('enables devtools only when asked (development)', () => {
    expect(windowOptions({ preloadPath: '/p', devTools: true }).webPreferences.devTools).toBe(true);
    expect(windowOptions({ preloadPath: '/p' }).webPreferences.devTools).toBe(false);
  });
});

describe('navigation policy', () => {
  it('loads the bundle over the app protocol, never the localhost port', () => {
    expect(appUrl('#/conflicts')).toBe('app://atom-sync/index.html#/conflicts');
    expect(appUrl()).toBe('app://atom-sync/index.html#/');
    expect(appUrl('#/evil' as never)).toBe('app://atom-sync/index.html#/');
    expect(APP_ORIGIN).toBe('app://atom-sync');
  });

  it('allows our own origin only', () => {
    expect(allowNavigation('app://atom-sync/index.html#/uploads')).toBe(true);
    for (const url of [
      'http://localhost:8000/',
      'http://127.0.0.1:8000/index.html',
      'https://atomagentos.com/',
      'file:///etc/passwd',
      'app://other-host/index.html',
      'app://user:pw@atom-sync/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'not a url',
    ]) {
      expect(allowNavigation(url), url).toBe(false);
    }
    expect(isAppUrl('APP://ATOM-SYNC/index.html')).toBe(true);
  });

  it('never opens a second window; https links go to the browser, the rest nowhere', () => {
    expect(windowOpenDecision('https://docs.atomagentos.com/sync')).toEqual({ action: 'deny', openExternal: 'https://docs.atomagentos.com/sync' });
    expect(windowOpenDecision('http://example.com/')).toEqual({ action: 'deny', openExternal: null });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternal: null });
    expect(windowOpenDecision('app://atom-sync/index.html')).toEqual({ action: 'deny', openExternal: null });
    expect(windowOpenDecision('https://user:pw@example.com/')).toEqual({ action: 'deny', openExternal: null });
    expect(windowOpenDecision('::::')).toEqual({ action: 'deny', openExternal: null });
  });
});

describe('app:// file serving', () => {
  let root: string;
  let renderer: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'atom-app-protocol-'));
    renderer = path.join(root, 'renderer');
    mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(renderer, 'assets', 'main.js'), '');
    writeFileSync(path.join(root, 'secret.txt'), 'outside');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves files under the bundle, / as the index', () => {
    expect(resolveAppFile(renderer, 'app://atom-sync/')).toBe(path.join(renderer, 'index.html'));
    expect(resolveAppFile(renderer, 'app://atom-sync/index.html#/conflicts')).toBe(path.join(renderer, 'index.html'));
    expect(resolveAppFile(renderer, 'app://atom-sync/assets/main.js?v=3')).toBe(path.join(renderer, 'assets', 'main.js'));
  });

  it('refuses anything that would leave the bundle or is not ours', () => {
    for (const url of [
      'app://atom-sync/../secret.txt',
      'app://atom-sync/%2e%2e/secret.txt',
      'app://atom-sync/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://atom-sync/..%5csecret.txt',
      'app://atom-sync/..%2fsecret.txt',
      'app://atom-sync/%00index.html',
      'app://atom-sync/%E0%A4%A',
      'app://other/index.html',
      'http://atom-sync/index.html',
      'garbage',
    ]) {
      const file = resolveAppFile(renderer, url);
      expect(file === null || file.startsWith(renderer + path.sep), url).toBe(true);
      expect(file === path.join(root, 'secret.txt'), url).toBe(false);
    }
    // an encoded slash survives URL parsing as part of one segment; decoded it would climb out
    expect(resolveAppFile(renderer, 'app://atom-sync/..%2fsecret.txt')).toBeNull();
    expect(resolveAppFile(renderer, 'app://atom-sync/assets/..%2f..%2fsecret.txt')).toBeNull();
    expect(resolveAppFile(renderer, 'app://other/index.html')).toBeNull();
  });

  it('answers with a strict CSP, no sniffing, the right types', () => {
    const headers = responseHeaders('/x/index.html');
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('localhost');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(contentTypeFor('a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a.unknown')).toBe('application/octet-stream');
  });
});
