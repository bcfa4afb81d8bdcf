import express, { type Express } from 'express';
import inject from 'light-my-request';
import { describe, expect, it } from 'vitest';
import { toMergeChoice } from '../../engine/api/conflictRoutes.js';
import { apiError, errorHandler } from '../../engine/api/errors.js';
import { hostGuard, hostName, originGuard, securityHeaders, tokenGuard } from '../../engine/api/security.js';
import { resolvedBy } from '../../engine/api/validate.js';
import { EngineError, RemoteError } from '../../engine/errors.js';
import type { Logger } from '../../engine/log/index.js';

/** A logger that remembers what it was told, to prove what reaches the log (and what does not reach the client). */
function memoryLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const make = (): Logger => ({
    error: (message, fields) => void lines.push({ level: 'error', message, fields: fields as Record<string, unknown> }),
    warn: (message, fields) => void lines.push({ level: 'warn', message, fields: fields as Record<string, unknown> }),
    info: (message, fields) => void lines.push({ level: 'info', message, fields: fields as Record<string, unknown> }),
    debug: () => {},
    child: () => make(),
  });
  return { log: make(), lines };
}

function appThrowing(error: unknown, log: Logger = memoryLogger().log): Express {
  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.all('/boom', () => {
    throw error;
  });
  app.use(errorHandler(log));
  return app;
}

describe('hostName', () => {
  it.each([
    ['localhost:8000', 'localhost'],
    ['LOCALHOST', 'localhost'],
    ['127.0.0.1:1', '127.0.0.1'],
    ['[::1]:8000', '::1'],
    ['[::1]', '::1'],
    ['localhost.', 'localhost'],
    ['evil.example:80', 'evil.example'],
    ['', null],
    [undefined, null],
    ['localhost:8000:1', null],
    ['local host', null],
    ['user@localhost', null],
    ['localhost:99999999', null],
  ] as const)('%s -> %s', (header, expected) => expect(hostName(header)).toBe(expected));
});

describe('safety middleware', () => {
  const { log } = memoryLogger();
  function guarded(configHost = '127.0.0.1', token: string | null = null): Express {
    const app = express();
    app.use(securityHeaders, hostGuard(configHost, log), originGuard(log), tokenGuard(token, log));
    app.all('/x', (_req, res) => void res.json({ ok: true }));
    return app;
  }

  it('host guard: loopback always, the configured address when not loopback, any host when bound to all interfaces', async () => {
    expect((await inject(guarded(), { url: '/x', headers: { host: 'localhost:8000' } })).statusCode).toBe(200);
    expect((await inject(guarded(), { url: '/x', headers: { host: 'evil.example' } })).json()).toMatchObject({ error: 'forbidden_host' });
    expect((await inject(guarded('::1'), { url: '/x', headers: { host: '[::1]:9' } })).statusCode).toBe(200);
    expect((await inject(guarded('192.168.1.9', 't'), { url: '/x', headers: { host: '192.168.1.9:8000', authorization: 'Bearer t' } })).statusCode).toBe(200);
    expect((await inject(guarded('192.168.1.9', 't'), { url: '/x', headers: { host: '192.168.1.10:8000' } })).statusCode).toBe(403);
    expect((await inject(guarded('0.0.0.0', 't'), { url: '/x', headers: { host: 'atom.lan:8000', authorization: 'Bearer t' } })).statusCode).toBe(200);
  });

  it('origin guard: safe methods pass, writes need the own origin or none', async () => {
    const app = guarded();
    const headers = { host: 'localhost:8000' };
    expect((await inject(app, { method: 'GET', url: '/x', headers: { ...headers, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(200);
    expect((await inject(app, { method: 'POST', url: '/x', headers: { ...headers, origin: 'http://evil.example' } })).statusCode).toBe(403);
    expect((await inject(app, { method: 'DELETE', url: '/x', headers: { ...headers, origin: 'https://localhost:8000' } })).statusCode).toBe(403);
    expect((await inject(app, { method: 'PUT', url: '/x', headers: { ...headers, 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(403);
    expect((await inject(app, { method: 'PATCH', url: '/x', headers: { ...headers, origin: 'http://LOCALHOST:8000' } })).statusCode).toBe(200);
    expect((await inject(app, { method: 'POST', url: '/x', headers })).statusCode).toBe(200);
  });

  it('token guard: bearer token only, case-insensitive scheme', async () => {
    const app = guarded('127.0.0.1', 'abc');
    const headers = { host: 'localhost' };
    expect((await inject(app, { url: '/x', headers })).statusCode).toBe(401);
    expect((await inject(app, { url: '/x', headers: { ...headers, authorization: 'Bearer abd' } })).statusCode).toBe(401);
    expect((await inject(app, { url: '/x', headers: { ...headers, authorization: 'Bearer ab' } })).statusCode).toBe(401);
    expect((await inject(app, { url: '/x', headers: { ...headers, authorization: 'Basic abc' } })).statusCode).toBe(401);
    expect((await inject(app, { url: '/x', headers: { ...headers, authorization: 'BEARER abc' } })).statusCode).toBe(200);
  });

  it('security headers on every answer, never a CORS grant', async () => {
    const reply = await inject(guarded(), { url: '/x', headers: { host: 'localhost', origin: 'http://evil.example' } });
    expect(reply.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('error shapes', () => {
  it('an EngineError keeps its status and code, and carries its extra fields', async () => {
    const reply = await inject(appThrowing(new EngineError('merge_not_possible', 409, 'Both sides changed name.', { fields: ['name'], error: 'ignored' })), '/boom');
    expect(reply.statusCode).toBe(409);
    expect(reply.json()).toEqual({ error: 'merge_not_possible', detail: 'Both sides changed name.', fields: ['name'] });
  });

  it('apiError builds the same thing', async () => {
    const reply = await inject(appThrowing(apiError(400, 'invalid_id', 'id must be a positive whole number.')), '/boom');
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toEqual({ error: 'invalid_id', detail: 'id must be a positive whole number.' });
  });

  it.each([
    [new RemoteError('unavailable', 'HTTP 503'), 503, 'remote_unavailable'],
    [new RemoteError('timeout', 'slow'), 503, 'remote_unavailable'],
    [new RemoteError('auth', 'HTTP 401'), 503, 'remote_auth_failed'],
    [new RemoteError('rejected', 'HTTP 422'), 502, 'remote_error'],
  ] as const)('a remote failure maps to %s', async (error, status, code) => {
    const reply = await inject(appThrowing(error), '/boom');
    expect(reply.statusCode).toBe(status);
    expect(reply.json().error).toBe(code);
  });

  it('body-parser failures become 400 / 413 / 415', async () => {
    const app = appThrowing(new Error('unreached'));
    const bad = await inject(app, { method: 'POST', url: '/boom', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_json');
    const big = await inject(app, { method: 'POST', url: '/boom', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(70_000)}"` });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toBe('payload_too_large');
    const charset = await inject(app, { method: 'POST', url: '/boom', headers: { 'content-type': 'application/json; charset=klingon' }, payload: '{}' });
    expect(charset.statusCode).toBe(415);
  });

  it('anything else is a generic 500: logged in full, never echoed', async () => {
    const { log, lines } = memoryLogger();
    const reply = await inject(appThrowing(new TypeError('cannot read secret of undefined'), log), '/boom');
    expect(reply.statusCode).toBe(500);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json()).toEqual({ error: 'internal_error', detail: expect.stringContaining('see the log') });
    expect(reply.payload).not.toContain('secret');
    expect(lines).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ error: 'cannot read secret of undefined' }) })]);
  });

  it('a thrown non-Error is handled too', async () => {
    const reply = await inject(appThrowing('a string'), '/boom');
    expect(reply.statusCode).toBe(500);
    expect(reply.json().error).toBe('internal_error');
  });
});

describe('request helpers', () => {
  it.each([
    ['local', 'local'],
    ['remote', 'remote'],
    [{ value: 3 }, { value: 3 }],
    ['Some text', { value: 'Some text' }],
    [null, { value: null }],
    [[1, 2], { value: [1, 2] }],
    [{ value: 1, other: 2 }, { value: { value: 1, other: 2 } }],
  ] as const)('merge choice %j -> %j', (raw, expected) => expect(toMergeChoice(raw)).toEqual(expected));

  it.each([
    ['curl/8.5.0', 'api:curl'],
    ['Mozilla/5.0 (X11)', 'api:Mozilla'],
    [undefined, 'api'],
    ['', 'api'],
    ['<script>', 'api'],
  ] as const)('resolved_by for %s is %s', (ua, expected) => {
    expect(resolvedBy({ headers: ua === undefined ? {} : { 'user-agent': ua } } as never)).toBe(expected);
  });
});
