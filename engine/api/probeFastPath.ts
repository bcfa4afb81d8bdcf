import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HealthResponse } from '../contracts/localHttpApi.js';
import { hostAllowed, SECURITY_HEADERS } from './security.js';

export interface ProbeDeps {
  configHost: string;
  health: () => HealthResponse;
  metrics: { contentType: string; render(): Promise<string> };
}

/** Kubernetes semantics: degraded still serves traffic, unhealthy does not. */
export function healthStatusCode(health: HealthResponse): number {
  return health.status === 'unhealthy' ? 503 : 200;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Probes and scrapes answered before the express stack (about three times the throughput), so
 * they stay fast while a big sync keeps the process busy. Anything unusual — another method,
 * a foreign Host — falls through to express, which answers it the one documented way.
 */
export function withProbeFastPath(app: RequestListener, deps: ProbeDeps): RequestListener {
  const allowed = hostAllowed(deps.configHost);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && allowed(req.headers.host)) {
      const path = (req.url ?? '').split('?', 1)[0];
      if (path === '/health/sync') {
        const health = deps.health();
        return send(res, healthStatusCode(health), 'application/json; charset=utf-8', JSON.stringify(health));
      }
      if (path === '/health/live') return send(res, 200, 'application/json; charset=utf-8', '{"status":"ok"}');
      if (path === '/metrics/sync') {
        deps.metrics.render().then(
          (text) => send(res, 200, deps.metrics.contentType, text),
          () => app(req, res),
        );
        return;
      }
    }
    app(req, res);
  };
}
