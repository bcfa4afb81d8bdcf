import type { Transport } from './transport.js';

/** Same-origin fetch: the page is served by the engine itself, so paths are absolute from its root. */
export function fetchTransport(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): Transport {
  return async ({ method, path, body }) => {
    const init: RequestInit = { method, cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    const response = await fetchImpl(path, init);
    return { status: response.status, body: await response.text() };
  };
}
