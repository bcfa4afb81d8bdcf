/**
 * What the test knows must be true, kept as the operations run: the newest local value of every
 * (skill, user) pair rated locally, every local edit, the poison in force, and each sample of
 * `last_sync`. The invariants compare the real system against it.
 */

export interface LocalRating {
  /** skill_ratings.id of the row holding the newest value. */
  rowId: string;
  skillId: string;
  userId: string;
  rating: number;
  comment: string | null;
  /** Operation index that wrote it. */
  op: number;
}

export interface LocalEdit {
  skillId: string;
  field: 'description' | 'code';
  value: string;
  /** Wall-clock time the edit was written (ISO), to tell later resolutions from earlier ones. */
  at: string;
  op: number;
}

export interface LastSyncSample {
  op: number;
  value: string | null;
}

export const pairKey = (skillId: string, userId: string) => `${skillId}|${userId}`;

export class ExpectedState {
  /** pair key → the newest local value. */
  readonly ratings = new Map<string, LocalRating>();
  /** skill id → its edits, oldest first. */
  readonly edits = new Map<string, LocalEdit[]>();
  readonly lastSync: LastSyncSample[] = [];
  /** Skills poisoned by the fault set now in force. */
  poisoned: ReadonlySet<string> = new Set();
  /** Skills cached locally while they were poisoned (they must never be removed for it). */
  readonly cachedWhilePoisoned = new Set<string>();
  private editSeq = 0;

  rate(r: LocalRating): void {
    this.ratings.set(pairKey(r.skillId, r.userId), r);
  }

  pairs(): LocalRating[] {
    return [...this.ratings.values()];
  }

  nextEditValue(skillId: string, field: LocalEdit['field'], seed: number): string {
    this.editSeq++;
    return field === 'code' ? `# local code edit ${this.editSeq} (seed ${seed})\nprint("${skillId}")` : `Local edit ${this.editSeq} of ${skillId} (seed ${seed})`;
  }

  edit(e: LocalEdit): void {
    this.edits.set(e.skillId, [...(this.edits.get(e.skillId) ?? []), e]);
  }

  editedIds(): string[] {
    return [...this.edits.keys()];
  }

  /** skill id → the fields edited locally. */
  editedFields(): Map<string, Set<string>> {
    return new Map([...this.edits].map(([id, list]) => [id, new Set(list.map((e) => e.field))]));
  }

  /** The newest edit of each field of each edited skill. */
  latestEdits(): LocalEdit[] {
    const out: LocalEdit[] = [];
    for (const list of this.edits.values()) {
      for (const field of ['description', 'code'] as const) {
        const last = list.filter((e) => e.field === field).pop();
        if (last) out.push(last);
      }
    }
    return out;
  }

  /** Returns a problem when `last_sync` went backwards since the previous sample. */
  sampleLastSync(op: number, value: string | null): string | null {
    const previous = [...this.lastSync].reverse().find((s) => s.value !== null);
    this.lastSync.push({ op, value });
    if (!previous) return null;
    if (value === null) return `last_sync became null after op ${op} (was ${previous.value} after op ${previous.op})`;
    if (Date.parse(value) < Date.parse(previous.value!)) return `last_sync moved backwards after op ${op}: ${previous.value} (op ${previous.op}) → ${value}`;
    return null;
  }
}
