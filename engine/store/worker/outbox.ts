import type { Notice } from './protocol.js';

/**
 * Holds what a unit of work emits (events, log lines) until its transaction commits, so a unit
 * that rolls back and is retried after a busy database never reports twice.
 */
export class Outbox {
  private pending: Notice[] = [];

  constructor(private readonly post: (notice: Notice) => void) {}

  push(notice: Notice): void {
    this.pending.push(notice);
  }

  commit(): void {
    const notices = this.pending;
    this.pending = [];
    for (const notice of notices) this.post(notice);
  }

  discard(): void {
    this.pending = [];
  }
}
