import { describe, expect, it } from 'vitest';
import { ApiError, errorText } from '../../renderer/src/api/apiError.js';
import { ApiClient, queryString } from '../../renderer/src/api/client.js';
import type { BridgeRequest, BridgeResponse } from '../../engine/contracts/bridge.js';

/** A transport that records requests and answers from a script. */
function fakeTransport(answer: (req: BridgeRequest) => BridgeResponse | Promise<BridgeResponse>) {
  const seen: BridgeRequest[] = [];
  const transport = async (req: BridgeRequest) => {
    seen.push(req);
    return answer(req);
  };
  return { seen, client: new ApiClient(transport) };
}

const json = (status: number, body: unknown): BridgeResponse => ({ status, body: JSON.stringify(body) });

describe('ApiClient errors', () => {
  it('turns an {error, detail} body into an ApiError with status, code and detail', async () => {
    const { client } = fakeTransport(() => json(409, { error: 'sync_in_progress', detail: 'Sync run 7 is still running.', run_id: 7 }));
    const error = await client.trigger('incremental').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(409);
    expect(apiError.code).toBe('sync_in_progress');
    expect(apiError.detail).toBe('Sync run 7 is still running.');
    expect(apiError.extra).toEqual({ run_id: 7 });
    expect(errorText(apiError)).toBe('Sync run 7 is still running.');
  });

  it('exposes the clashing fields of merge_not_possible', async () => {
    const { client } = fakeTransport(() =>
      json(409, { error: 'merge_not_possible', detail: 'Choose a value for description, code.', fields: ['description', 'code'] }),
    );
    const error = (await client.resolveConflict(3, 'merge').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('merge_not_possible');
    expect(error.fields).toEqual(['description', 'code']);
  });

  it('accepts a body the bridge already parsed', async () => {
    const { client } = fakeTransport(() => ({ status: 404, body: { error: 'not_found', detail: 'No conflict 9.' } }));
    const error = (await client.conflict(9).catch((e: unknown) => e)) as ApiError;
    expect([error.status, error.code, error.detail]).toEqual([404, 'not_found', 'No conflict 9.']);
  });

  it('still gives a readable error for a non-JSON error page', async () => {
    const { client } = fakeTransport(() => ({ status: 502, body: '<html>Bad gateway</html>' }));
    const error = (await client.status().catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.code).toBe('http_502');
    expect(error.detail).toContain('HTTP 502');
    expect(error.detail).toContain('Bad gateway');
  });

  it('reports an unreachable engine as status 0 with the cause', async () => {
    const { client } = fakeTransport(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = (await client.snapshot().catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('unreachable');
    expect(error.detail).toContain('Failed to fetch');
  });

  it('refuses a 200 whose body is not JSON', async () => {
    const { client } = fakeTransport(() => ({ status: 200, body: 'hello' }));
    const error = (await client.status().catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('invalid_response');
  });

  it('treats 503 from /health/sync as an answer (probe semantics), not an error', async () => {
    const body = { status: 'unhealthy', checks: {} };
    const { client } = fakeTransport(() => json(503, body));
    await expect(client.health()).resolves.toEqual(body);
  });
});

describe('ApiClient requests', () => {
  it('builds paths, query strings and bodies for each route', async () => {
    const { client, seen } = fakeTransport((req) => json(req.method === 'POST' ? 202 : 200, { ok: true }));
    await client.runs(30);
    await client.trigger('full');
    await client.conflicts({ status: 'all', severity: 'critical', limit: 20, offset: 40 });
    await client.conflicts();
    await client.resolveConflict(12, 'merge', { description: 'remote', code: { value: 'print(1)' } });
    await client.resolveConflict(13, 'local_wins');
    await client.bulkResolve('remote_wins', [1, 2]);
    await client.retryUpload(5);
    await client.failedUploads(10, 20);
    expect(seen).toEqual([
      { method: 'GET', path: '/api/admin/sync/runs?limit=30' },
      { method: 'POST', path: '/api/admin/sync/trigger?mode=full' },
      { method: 'GET', path: '/api/admin/sync/conflicts?status=all&severity=critical&limit=20&offset=40' },
      { method: 'GET', path: '/api/admin/sync/conflicts?status=unresolved&limit=50&offset=0' },
      {
        method: 'POST',
        path: '/api/admin/sync/conflicts/12/resolve?strategy=merge',
        body: { fields: { description: 'remote', code: { value: 'print(1)' } } },
      },
      { method: 'POST', path: '/api/admin/sync/conflicts/13/resolve?strategy=local_wins' },
      { method: 'POST', path: '/api/admin/sync/conflicts/bulk-resolve?strategy=remote_wins', body: { conflict_ids: [1, 2] } },
      { method: 'POST', path: '/api/admin/sync/ratings/failed-uploads/5/retry' },
      { method: 'GET', path: '/api/admin/sync/ratings/failed-uploads?limit=10&offset=20' },
    ]);
  });

  it('returns the parsed body on success, and null for an empty one', async () => {
    const { client } = fakeTransport((req) => (req.path.endsWith('/pause') ? { status: 202, body: '' } : json(200, { items: [{ id: 1 }] })));
    await expect(client.runs()).resolves.toEqual({ items: [{ id: 1 }] });
    await expect(client.pause()).resolves.toBeNull();
  });

  it('leaves out empty query values', () => {
    expect(queryString({ a: 1, b: null, c: undefined, d: '' })).toBe('?a=1');
    expect(queryString({})).toBe('');
  });
});
