/**
 * IPC channel names, shared by the main process and the preload (the preload build inlines
 * them: a sandboxed preload cannot load local modules at run time).
 */
export const IPC_CHANNELS = {
  /** renderer -> main (invoke): {method, path, body?} -> {status, body} through the engine link. */
  request: 'atom-sync:request',
  /** main -> renderer: (name, data), the live-stream events. */
  event: 'atom-sync:event',
} as const;
