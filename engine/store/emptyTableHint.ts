/** Misses in a row after which a table believed non-empty is checked again. */
const RECHECK_AFTER_MISSES = 1000;

/**
 * Lets a per-row lookup in a table only the engine writes (tombstones, item errors) be skipped
 * while the table is known to be empty, as it is on almost every listing. A write, even one that
 * rolls back, only ever makes the hint say "may have rows", so it never hides a row.
 */
export class EmptyTableHint {
  private empty: boolean | undefined;
  private misses = 0;

  constructor(private readonly hasRows: () => boolean) {}

  mayHaveRows(): boolean {
    this.empty ??= !this.hasRows();
    return !this.empty;
  }

  noteWrite(): void {
    this.empty = false;
    this.misses = 0;
  }

  /** A lookup found nothing: after many, the table may have emptied (a prune, the runbook's DELETE). */
  noteMiss(): void {
    if (++this.misses < RECHECK_AFTER_MISSES) return;
    this.misses = 0;
    this.empty = !this.hasRows();
  }
}
