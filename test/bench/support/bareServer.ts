/**
 * Baselines for the HTTP benches: Node with the same tsx loader answering fixed JSON bodies
 * (/health/live the liveness body, anything else a health body), either straight from node:http
 * or through a two-route Express 5 app (the framework the API uses).
 *   node --import tsx test/bench/support/bareServer.ts <port> [--express]
 */
import { createServer } from 'node:http';
import express from 'express';

const port = Number(process.argv[2]);
const live = { status: 'ok' };
const body = { status: 'healthy', last_sync: null, sync_age_minutes: 0, websocket_connected: true, scheduler_running: true, recent_errors: 0, checks: {} };
if (process.argv.includes('--express')) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/health/live', (_req, res) => void res.json(live));
  app.get('/health/sync', (_req, res) => void res.json(body));
  createServer(app).listen(port, '127.0.0.1');
} else {
  const text = JSON.stringify(body);
  const liveText = JSON.stringify(live);
  createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/health/live' ? liveText : text)).listen(port, '127.0.0.1');
}
process.on('SIGTERM', () => process.exit(0));
