import { describe, expect, it } from 'vitest';
import { bridgeResponse, LIVE_FORWARDED, validateBridgeRequest } from '../../electron/model/bridgeRequest.js';

const accepted = (input: unknown) => {
  const v = validateBridgeRequest(input);
  if (!v.ok) throw new Error(`refused: ${v.detail}`);
  return v.request;
};
const refusal = (input: unknown) => {
  const v = validateBridgeRequest(input);
  if (v.ok) throw new Error(`accepted: ${JSON.stringify(input)}`);
  return v;
};

describe('bridge request validation', () => {
  it('passes the admin API and health routes through, method normalised', () => {
    expect(accepted({ method: 'get', path: '/api/admin/sync/status' })).toEqual({ method: 'GET', path: '/api/admin/sync/status' });
    expect(accepted({ method: 'GET', path: '/health/sync' })).toEqual({ method: 'GET', path: '/health/sync' });
    expect(accepted({ method: 'GET', path: '/api/admin/sync/conflicts?status=all&limit=50' }).path).toBe('/api/admin/sync/conflicts?status=all&limit=50');
    expect(accepted({ method: 'POST', path: '/api/admin/sync/conflicts/4/resolve?strategy=merge', body: { fields: { name: 'local' } } })).toEqual({
      method: 'POST',
      path: '/api/admin/sync/conflicts/4/resolve?strategy=merge',
      body: { fields: { name: 'local' } },
    });
    // the settings view saves with PUT /config
    expect(accepted({ method: 'put', path: '/api/admin/sync/config', body: { notifications: 'errors' } })).toEqual({
      method: 'PUT',
      path: '/api/admin/sync/config',
      body: { notifications: 'errors' },
    });
  });

  it('refuses methods outside the allow-list', () => {
    for (const method of ['DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'HEAD', '', 7, null]) {
      expect(refusal({ method, path: '/api/admin/sync/status' }).status).toBe(400);
    }
  });

  it('refuses paths outside the two prefixes, however disguised', () => {
    for (const path of [
      '/metrics/sync',
      '/',
      '/index.html',
      '/api/admin/other',
      '/api/admin/sync',
      'api/admin/sync/status',
      'http://127.0.0.1:8000/api/admin/sync/status',
      '//evil.example/api/admin/sync/status',
      '/api/admin/sync/../../metrics/sync',
      '/api/admin/sync/%2e%2e/%2e%2e/metrics/sync',
      '/health/../api/admin/other',
      '/api/admin/sync//status',
      '/api/admin/sync/status\\..\\x',
      '/api/admin/sync/status#x',
      '/api/admin/sync/st atus',
      '/api/admin/sync/status\r\nX-Injected: 1',
      '/api/admin/sync/%zz',
      `/api/admin/sync/${'a'.repeat(3000)}`,
    ]) {
      expect(validateBridgeRequest({ method: 'GET', path }).ok, path).toBe(false);
    }
  });

  it('refuses the never-ending event stream (the bridge pushes events instead)', () => {
    expect(refusal({ method: 'GET', path: '/api/admin/sync/events' }).detail).toContain('onEvent');
  });

  it('refuses malformed requests and bodies with a clear 400', () => {
    expect(refusal(null).detail).toContain('{method, path, body?}');
    expect(refusal('GET /health/sync').status).toBe(400);
    expect(refusal([]).status).toBe(400);
    expect(refusal({ method: 'GET', path: '/health/sync', body: {} }).detail).toContain('GET request has no body');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(refusal({ method: 'POST', path: '/api/admin/sync/trigger', body: cyclic }).detail).toContain('plain JSON');
    expect(refusal({ method: 'POST', path: '/api/admin/sync/trigger', body: { x: 'y'.repeat(1024 * 1024 + 1) } }).detail).toContain('1 MiB');
  });
});

describe('bridge responses', () => {
  it('parses JSON bodies and passes other bodies as text', () => {
    expect(bridgeResponse({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"status":"healthy"}' })).toEqual({
      status: 200,
      body: { status: 'healthy' },
    });
    expect(bridgeResponse({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'sync_runs_total 3' })).toEqual({
      status: 200,
      body: 'sync_runs_total 3',
    });
    expect(bridgeResponse({ status: 502, headers: { 'content-type': 'application/json' }, body: '{broken' })).toEqual({ status: 502, body: '{broken' });
    expect(bridgeResponse({ status: 202, headers: {}, body: '' })).toEqual({ status: 202, body: '' });
  });
});

describe('live events', () => {
  it('uses the same names as the server-sent event stream', () => {
    expect(LIVE_FORWARDED).toEqual({
      'sync.progress': 'sync.progress',
      'sync.finished': 'sync.finished',
      'websocket.state': 'websocket.state',
      'ratings.status': 'ratings.status',
      'conflicts.counts': 'conflicts.counts',
      'sync.error': 'sync.error',
      'config.changed': 'config.changed',
    });
  });
});
