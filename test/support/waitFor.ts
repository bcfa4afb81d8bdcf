/** Polls `check` until it returns truthy or the time runs out (bounded in count and time). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5_000, stepMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error('condition not met');
}
