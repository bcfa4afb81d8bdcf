/**
 * Stands in for the local Atom app writing to atom_dev.db while the engine syncs: inserts
 * pending local ratings, edits cached skills, and now and then holds a write transaction for a
 * few milliseconds. Prints one JSON line with everything it wrote and every error it met.
 *   node --import tsx test/chaos/support/localWriter.ts --db atom_dev.db --skills 2000 --rate-skills 1000 --duration 4000 --seed 7
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { mulberry32 } from '../../../emulator/prng.js';

export interface WriterReport {
  ops: number;
  ratings: string[];
  /** skill_id → the last description this writer gave it. */
  edits: Record<string, string>;
  errors: Array<{ op: string; code: string | null; message: string }>;
}

const { values } = parseArgs({
  options: { db: { type: 'string' }, skills: { type: 'string' }, 'rate-skills': { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' }, 'max-ops': { type: 'string' } },
});
const skills = Number(values.skills ?? 1000);
/** Ratings go to the first N skills only (the test never deletes those remotely: a rating for a deleted skill is rightly refused). */
const rateSkills = Number(values['rate-skills'] ?? skills);
const deadline = Date.now() + Number(values.duration ?? 3000);
const maxOps = Number(values['max-ops'] ?? 50_000);
const rng = mulberry32(Number(values.seed ?? 7));

// Python's sqlite3, which the Atom backend uses, waits 5 s on a locked database by default.
const db = new Database(values.db!, { fileMustExist: true, timeout: 5_000 });
const insert = db.prepare(
  `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
   VALUES (?, ?, ?, ?, ?, 'local', 'pending', ?, ?)`,
);
const edit = db.prepare('UPDATE community_skills SET description = ? WHERE skill_id = ?');
const pause = new Int32Array(new SharedArrayBuffer(4));
const report: WriterReport = { ops: 0, ratings: [], edits: {}, errors: [] };

const skillId = (among = skills) => `skill-${String(1 + Math.floor(rng() * among)).padStart(6, '0')}`;

function rate(): void {
  const id = randomUUID();
  const now = new Date().toISOString();
  // A user of its own per rating: a repeated (skill, user) would be a re-rating, checked elsewhere.
  insert.run(id, skillId(rateSkills), `atom-user-${id.slice(0, 8)}`, 1 + Math.floor(rng() * 5), `local writer ${id}`, now, now);
  report.ratings.push(id);
}

function editSkill(): void {
  const id = skillId();
  const text = `edited by the local app #${report.ops}`;
  if (edit.run(text, id).changes === 1) report.edits[id] = text;
}

/** A write transaction held open for a few ms, as a slower writer would. */
const longWrite = db.transaction(() => {
  for (let i = 0; i < 5; i++) rate();
  editSkill();
  Atomics.wait(pause, 0, 0, 2 + Math.floor(rng() * 4));
});

function attempt(op: string, fn: () => void): void {
  const ratingsBefore = report.ratings.length;
  const editsBefore = { ...report.edits };
  try {
    fn();
  } catch (error) {
    // a failed transaction wrote nothing: forget what it claimed
    report.ratings.length = ratingsBefore;
    report.edits = editsBefore;
    report.errors.push({ op, code: (error as { code?: string }).code ?? null, message: (error as Error).message });
  }
}

for (; report.ops < maxOps && Date.now() < deadline; report.ops++) {
  const roll = rng();
  if (roll < 0.7) attempt('rate', rate);
  else if (roll < 0.9) attempt('edit', editSkill);
  else attempt('transaction', () => longWrite.immediate());
  await new Promise((r) => setTimeout(r, 1));
}
db.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
