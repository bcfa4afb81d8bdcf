/**
 * `app://atom-sync/` serves the bundled UI (dist/renderer) to the window: a privileged,
 * standard, secure scheme, so the page is its own origin and never the localhost port.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import type { Logger } from '../engine/log/index.js';
import { CONTENT_SECURITY_POLICY, resolveAppFile, responseHeaders } from './model/appFiles.js';
import { APP_SCHEME } from './model/windowOptions.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false } },
  ]);
}

function notFound(): Response {
  return new Response('Not found', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  });
}

export function serveAppProtocol(rendererDir: string, log: Logger): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return notFound();
    const file = resolveAppFile(rendererDir, request.url);
    if (file === null) {
      log.warn('app:// request outside the bundle refused', { url: request.url.slice(0, 200) });
      return notFound();
    }
    try {
      const data = await readFile(file);
      return new Response(request.method === 'HEAD' ? null : data, { status: 200, headers: responseHeaders(file) });
    } catch {
      return notFound();
    }
  });
}
