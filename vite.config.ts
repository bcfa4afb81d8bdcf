import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The dev server's React refresh preamble is an inline script, which the page's CSP forbids;
 * the policy stays in the built index.html (served by the engine and the Electron protocol).
 */
function relaxCspInDev(): Plugin {
  return {
    name: 'atom-sync-relax-csp-in-dev',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i, ''),
  };
}

export default defineConfig({
  root: 'renderer',
  // Relative asset URLs: the same build loads from http://localhost:8000/ and from the app's custom protocol.
  base: './',
  plugins: [react(), relaxCspInDev()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Chromium supports modulepreload natively; no polyfill code needed.
    modulePreload: { polyfill: false },
  },
  server: {
    host: '127.0.0.1',
    // `vite` in dev talks to a locally running engine (npm run daemon).
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/health': 'http://127.0.0.1:8000',
    },
  },
});
