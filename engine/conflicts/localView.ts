import type { Json, RemoteSkill } from '../contracts/remote.js';
import type { SkillRow } from '../store/skillsRepo.js';

/** The skill as the local Atom sees it: payload with the column values laid over it. */
export function localView(row: SkillRow): RemoteSkill {
  const payload = JSON.parse(row.payload) as RemoteSkill;
  let tags: Json = payload.tags ?? [];
  try {
    tags = JSON.parse(row.tags) as Json;
  } catch {
    /* a hand-edited tags column that is not JSON is taken as one tag */
    tags = [row.tags];
  }
  const view: RemoteSkill = { ...payload, skill_id: row.skill_id, name: row.name, tags: tags as string[] };
  for (const field of ['description', 'version', 'category', 'skill_type', 'author'] as const) {
    const value = row[field];
    if (value !== null) view[field] = value;
    else delete view[field];
  }
  return view;
}
