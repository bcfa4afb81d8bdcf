import type { Clock } from '../clock.js';
import type { EngineEvents } from '../events.js';

/**
 * Reuses the last rendering until the engine reports anything (every series moves only on an
 * event) or `maxAgeMs` passes (the process metrics drift on their own). Collecting the process
 * metrics costs milliseconds, so a burst of scrapes must not each pay for it; a scrape after
 * any change still sees it.
 */
export function cachedRender(render: () => Promise<string>, events: EngineEvents, clock: Clock, maxAgeMs = 1000): {
  render: () => Promise<string>;
  dispose: () => void;
} {
  let generation = 0;
  let cached: { generation: number; at: number; text: Promise<string> } | null = null;
  const off = events.onAny(() => {
    generation++;
  });
  return {
    render() {
      const now = clock.now();
      if (cached && cached.generation === generation && now - cached.at < maxAgeMs) return cached.text;
      const text = render();
      const entry = { generation, at: now, text };
      cached = entry;
      text.catch(() => {
        if (cached === entry) cached = null;
      });
      return text;
    },
    dispose: off,
  };
}
