import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, syncAndWait, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('in-process dispatch (the desktop bridge)', () => {
  it('answers through the same routes without a socket, and leaves other servers in the process working', async () => {
    h = await startHarness({ skills: 50 });
    const status = await h.engine.dispatch({ method: 'GET', path: '/api/admin/sync/status' });
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ status: 'idle', skills_cached: 0 });

    const bad = await h.engine.dispatch({ method: 'POST', path: '/api/admin/sync/conflicts/bulk-resolve?strategy=coin_flip', body: {} });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: expect.any(String), detail: expect.stringMatching(/local_wins/) });

    // The emulator is an express server in this same process: it must still serve after a dispatch.
    expect((await syncAndWait(h.engine)).result).toBe('success');
    const after = await h.engine.dispatch({ method: 'GET', path: '/api/admin/sync/status' });
    expect(JSON.parse(after.body)).toMatchObject({ skills_cached: 50 });
  });
});
