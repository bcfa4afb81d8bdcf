import type { LiveEventName } from '../../../engine/contracts/localHttpApi.js';
import type { AtomSyncBridge } from '../../../engine/contracts/bridge.js';
import type { OpenLiveSource } from './liveFeed.js';

export const EVENTS_PATH = '/api/admin/sync/events';

const NAMED_EVENTS: readonly LiveEventName[] = ['status', 'sync.progress', 'sync.finished', 'websocket.state', 'ratings.status', 'conflicts.counts', 'sync.error', 'config.changed'];

function parseData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Server-sent events in a browser; EventSource's own `error` is the connection dropping. */
export function eventSourceLive(url = EVENTS_PATH): OpenLiveSource {
  return (handlers) => {
    const source = new EventSource(url);
    source.addEventListener('open', () => handlers.onOpen());
    for (const name of NAMED_EVENTS) {
      source.addEventListener(name, (event) => handlers.onEvent(name, parseData((event as MessageEvent).data)));
    }
    source.addEventListener('error', () => handlers.onDown('the live stream was interrupted'));
    return { close: () => source.close() };
  };
}

/** Events pushed by Electron's main process through the preload bridge. */
export function bridgeLive(bridge: AtomSyncBridge): OpenLiveSource {
  return (handlers) => {
    let open = true;
    const off = bridge.onEvent((name, data) => {
      if (open) handlers.onEvent(name, parseData(data));
    });
    queueMicrotask(() => {
      if (open) handlers.onOpen();
    });
    return {
      close: () => {
        open = false;
        off();
      },
    };
  };
}
