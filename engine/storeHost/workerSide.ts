import { EngineEvents, type EngineEventMap, type EngineEventName } from '../events.js';
import type { LogFields, Logger } from '../log/index.js';
import type { Outbox } from '../store/worker/outbox.js';

/** Events raised inside the store worker reach the engine's bus once their unit commits. */
export class OutboxEvents extends EngineEvents {
  constructor(private readonly outbox: Outbox) {
    super();
  }

  override emit<K extends EngineEventName>(name: K, payload: EngineEventMap[K]): void {
    this.outbox.push({ type: 'event', name, payload });
  }
}

/** Log lines written inside the store worker go to the engine's logger, after their unit commits. */
export function outboxLogger(outbox: Outbox, scope: string): Logger {
  const line = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, fields?: LogFields) =>
    outbox.push({ type: 'log', scope, level, message, fields: fields as Record<string, unknown> | undefined });
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug'), child: (child) => outboxLogger(outbox, child) };
}
