/**
 * The seeded catalogue, generated on demand from (seed, index): nothing big is kept in memory,
 * so 100,000 skills cost a few arrays of integers, and the same seed always gives the same data.
 */
import type { Json, RemoteCategory, RemoteRating, RemoteSkill } from '../engine/contracts/remote.js';
import { intBetween, mix, mulberry32, pick, type Rng } from './prng.js';
import * as W from './words.js';

/** Seeded skills are stamped 2026-01-01 + index seconds; seeded ratings follow them. */
export const BASE_TIME = Date.parse('2026-01-01T00:00:00.000Z');
/** Ids carry six digits so that string order equals index order. */
export const MAX_SKILL_INDEX = 999_999;

export interface DatasetOptions {
  seed: number;
  skills: number;
  categories: number;
  ratingsPerSkill: number;
}

export type BaseCategory = Omit<RemoteCategory, 'skill_count'>;

const RATING_WEIGHTS = [0.05, 0.08, 0.17, 0.35, 0.35];

export function skillIdOf(index: number): string {
  return `skill-${String(index + 1).padStart(6, '0')}`;
}

/** Index for a well-formed id, or -1; the caller checks it against the live range. */
export function indexOfSkillId(id: string): number {
  const match = /^skill-(\d{6})$/.exec(id);
  return match ? Number(match[1]) - 1 : -1;
}

export function slugify(text: string): string {
  return text.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Seeded ratings come from this many users, `user-0001`…. */
const SEEDED_USERS = 5000;

export function userIdOf(n: number): string {
  return `user-${String(n).padStart(4, '0')}`;
}

/** Rating ids carry seven digits so that string order equals number order. */
export function ratingIdOf(k: number): string {
  return `rating-${String(k + 1).padStart(7, '0')}`;
}

// Slugs of the name parts, computed once: listing pages render thousands of skills.
const SUBJECT_SLUGS = W.SUBJECTS.map(slugify);
const ASPECT_SLUGS = W.ASPECTS.map(slugify);
const ROLE_SLUGS = W.ROLES.map(slugify);

export class Dataset {
  readonly seed: number;
  readonly seededSkills: number;
  readonly categories: readonly BaseCategory[];
  /** ratingOffsets[i] = index of skill i's first seeded rating; the last entry is the total. */
  private readonly ratingOffsets: Int32Array;
  private readonly ratingsPerSkill: number;

  constructor(opts: DatasetOptions) {
    this.seed = opts.seed >>> 0;
    this.seededSkills = opts.skills;
    this.ratingsPerSkill = opts.ratingsPerSkill;
    this.categories = buildCategories(opts.categories);
    this.ratingOffsets = new Int32Array(opts.skills + 1);
    for (let i = 0; i < opts.skills; i++) {
      this.ratingOffsets[i + 1] = (this.ratingOffsets[i] as number) + this.seededRatingsOf(i);
    }
  }

  get seededRatingCount(): number {
    return this.ratingOffsets[this.seededSkills] as number;
  }

  /** Latest timestamp in the seeded data; the server clock starts after it. */
  get lastSeedTime(): number {
    return this.seededRatingTime(this.seededRatingCount);
  }

  seededSkillTime(index: number): number {
    return BASE_TIME + index * 1000;
  }

  categoryIndexOf(index: number): number {
    return mix(this.seed, index, 1) % this.categories.length;
  }

  skillTypeOf(index: number): string {
    return W.SKILL_TYPES[mix(this.seed, index, 2) % W.SKILL_TYPES.length] as string;
  }

  /** The skill as seeded (or as first added): times and rating stats are the seeded ones. */
  skill(index: number): RemoteSkill {
    const rng = mulberry32(mix(this.seed, index, 7));
    const id = skillIdOf(index);
    const s = Math.floor(rng() * W.SUBJECTS.length);
    const a = Math.floor(rng() * W.ASPECTS.length);
    const r = Math.floor(rng() * W.ROLES.length);
    const subject = W.SUBJECTS[s] as string;
    const aspect = W.ASPECTS[a] as string;
    const name = `${subject} ${aspect} ${W.ROLES[r] as string}`;
    const slug = `${SUBJECT_SLUGS[s] as string}-${ASPECT_SLUGS[a] as string}-${ROLE_SLUGS[r] as string}-${index + 1}`;
    const skillType = this.skillTypeOf(index);
    const param = (SUBJECT_SLUGS[s] as string).replaceAll('-', '_');
    const category = this.categories[this.categoryIndexOf(index)] as BaseCategory;
    const stats = this.seededRatingStats(index);
    const time = iso(this.seededSkillTime(index));
    return {
      skill_id: id,
      name,
      description: `Reads ${subject} input and ${pick(rng, W.VERBS)} the ${aspect.toLowerCase()} details ${pick(rng, W.BENEFITS)}`,
      version: `${intBetween(rng, 0, 3)}.${intBetween(rng, 0, 12)}.${intBetween(rng, 0, 20)}`,
      category: category.name,
      skill_type: skillType,
      author: pick(rng, W.AUTHORS),
      tags: distinct(rng, W.TAGS, intBetween(rng, 1, 4)).concat(category.slug),
      code: codeFor(skillType, name, param, slug),
      command: commandFor(skillType, slug),
      local_files: filesFor(skillType),
      python_packages: skillType === 'python' ? distinct(rng, W.PYTHON_PACKAGES, intBetween(rng, 1, 3)) : [],
      npm_packages: skillType === 'nodejs' ? distinct(rng, W.NPM_PACKAGES, intBetween(rng, 1, 3)) : [],
      parameters: {
        type: 'object',
        properties: {
          [param]: { type: 'string', description: `The ${subject} to process` },
          options: { type: 'object', description: 'Optional settings', additionalProperties: true },
        },
        required: [param],
      },
      metadata: {
        license: pick(rng, ['MIT', 'Apache-2.0', 'BSD-3-Clause']),
        homepage: `https://atomagentos.com/marketplace/skills/${slug}`,
        min_atom_version: `1.${intBetween(rng, 2, 6)}.0`,
      },
      env_vars: distinct(rng, W.ENV_VARS, intBetween(rng, 0, 2)),
      average_rating: stats.count === 0 ? 0 : round2(stats.sum / stats.count),
      rating_count: stats.count,
      // Not in the documented field list: real servers add fields, and clients must keep them.
      downloads: intBetween(rng, 0, 50_000),
      created_at: time,
      updated_at: time,
    };
  }

  /** Sum and count of a seeded skill's seeded ratings (0 for skills added later). */
  seededRatingStats(index: number): { sum: number; count: number } {
    if (index >= this.seededSkills) return { sum: 0, count: 0 };
    const first = this.ratingOffsets[index] as number;
    const count = (this.ratingOffsets[index + 1] as number) - first;
    let sum = 0;
    for (let j = 0; j < count; j++) sum += this.ratingValue(index, j);
    return { sum, count };
  }

  seededRatingTime(k: number): number {
    return BASE_TIME + (this.seededSkills + k + 1) * 1000;
  }

  /** Seeded rating number k (0-based), ordered by time like the ratings listing. */
  seededRating(k: number): RemoteRating {
    const index = this.skillOfRating(k);
    const j = k - (this.ratingOffsets[index] as number);
    const rng = mulberry32(mix(this.seed, index, 5, j));
    intBetween(rng, 1, SEEDED_USERS); // the user's draw, adjusted by seededUsers
    const time = iso(this.seededRatingTime(k));
    return {
      rating_id: ratingIdOf(k),
      skill_id: skillIdOf(index),
      user_id: userIdOf(this.seededUsers(index)[j] as number),
      rating: this.ratingValue(index, j),
      comment: pick(rng, W.COMMENTS),
      created_at: time,
      updated_at: time,
    };
  }

  /** Seeded rating numbers [first, end) of a skill (empty for skills added later). */
  seededRatingRange(index: number): { first: number; end: number } {
    if (index < 0 || index >= this.seededSkills) return { first: 0, end: 0 };
    return { first: this.ratingOffsets[index] as number, end: this.ratingOffsets[index + 1] as number };
  }

  /** Seeded rating number (k) of this skill by this user, or -1. */
  seededRatingBy(index: number, userId: string): number {
    if (index < 0 || index >= this.seededSkills) return -1;
    const match = /^user-(\d{4})$/.exec(userId);
    if (!match) return -1;
    const j = this.seededUsers(index).indexOf(Number(match[1]));
    return j < 0 ? -1 : (this.ratingOffsets[index] as number) + j;
  }

  /** `skill_id|user_id` of seeded rating k, without rendering the rest. */
  seededPairOf(k: number): string {
    const index = this.skillOfRating(k);
    return `${skillIdOf(index)}|${userIdOf(this.seededUsers(index)[k - (this.ratingOffsets[index] as number)] as number)}`;
  }

  /** Index of the first seeded rating whose time is after `ms`. */
  firstSeededRatingAfter(ms: number): number {
    const k = Math.floor((ms - BASE_TIME) / 1000) - this.seededSkills;
    return Math.min(Math.max(k, 0), this.seededRatingCount);
  }

  /** The users behind a skill's seeded ratings: distinct, as the platform keeps one rating per (skill, user). */
  private seededUsers(index: number): number[] {
    const first = this.ratingOffsets[index] as number;
    const count = (this.ratingOffsets[index + 1] as number) - first;
    const users: number[] = [];
    for (let j = 0; j < count; j++) {
      let user = intBetween(mulberry32(mix(this.seed, index, 5, j)), 1, SEEDED_USERS);
      while (users.includes(user)) user = (user % SEEDED_USERS) + 1;
      users.push(user);
    }
    return users;
  }

  private seededRatingsOf(index: number): number {
    return mix(this.seed, index, 3) % (2 * this.ratingsPerSkill + 1);
  }

  private ratingValue(index: number, j: number): number {
    let roll = mix(this.seed, index, 4, j) / 4294967296;
    for (let v = 0; v < RATING_WEIGHTS.length; v++) {
      roll -= RATING_WEIGHTS[v] as number;
      if (roll < 0) return v + 1;
    }
    return 5;
  }

  private skillOfRating(k: number): number {
    let lo = 0;
    let hi = this.seededSkills - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.ratingOffsets[mid] as number) <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function buildCategories(count: number): BaseCategory[] {
  const list: BaseCategory[] = [];
  for (let c = 0; c < count; c++) {
    const [baseName, description] = W.CATEGORY_NAMES[c % W.CATEGORY_NAMES.length] as readonly [string, string];
    const round = Math.floor(c / W.CATEGORY_NAMES.length);
    const name = round === 0 ? baseName : `${baseName} ${round + 1}`;
    list.push({ name, slug: slugify(name), description });
  }
  return list;
}

function distinct(rng: Rng, items: readonly string[], n: number): string[] {
  const chosen = new Set<string>();
  for (let tries = 0; chosen.size < n && tries < n * 4; tries++) chosen.add(pick(rng, items));
  return [...chosen];
}

function codeFor(type: string, name: string, param: string, slug: string): string {
  switch (type) {
    case 'python':
      return `import json\n\n\ndef run(${param}: str, options: dict | None = None) -> dict:\n    """${name}."""\n    text = ${param}.strip()\n    return {"result": text, "length": len(text)}\n`;
    case 'nodejs':
      return `// ${name}\nexport async function run({ ${param}, options = {} }) {\n  const text = String(${param} ?? '').trim();\n  return { result: text, length: text.length };\n}\n`;
    case 'prompt':
      return `You are ${name}.\nRead the input below and answer in JSON with the fields you found.\n\nInput:\n{{${param}}}\n`;
    case 'api':
      return `POST https://api.atomagentos.com/v1/skills/${slug}\nContent-Type: application/json\n\n{"${param}": "{{${param}}}"}\n`;
    default:
      return `steps:\n  - id: fetch\n    uses: atom/fetch@v1\n    with: { input: "{{${param}}}" }\n  - id: process\n    uses: atom/${slug}@v1\n`;
  }
}

function commandFor(type: string, slug: string): string {
  if (type === 'python') return 'python main.py';
  if (type === 'nodejs') return 'node index.js';
  return `atom ${type} run ${slug}`;
}

function filesFor(type: string): Json {
  if (type === 'python') return ['main.py', 'requirements.txt'];
  if (type === 'nodejs') return ['index.js', 'package.json'];
  if (type === 'workflow') return ['workflow.yaml'];
  return [];
}
