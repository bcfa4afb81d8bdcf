/**
 * Applies a person's per-field choices to a three-way merge: "local", "remote", {"value": x},
 * or any other JSON value taken as the explicit value. Every clashing field needs a choice.
 */
import type { MergeChoice } from '../contracts/localHttpApi.js';
import { badRequest, conflictState } from '../errors.js';
import { contentFields, REMOTE_OWNED_FIELDS, IDENTITY_FIELD, type JsonObject, type MergeResult } from './threeWayMerge.js';

export type RawChoices = Readonly<Record<string, MergeChoice | unknown>>;

function isValueWrapper(choice: unknown): choice is { value: unknown } {
  if (choice === null || typeof choice !== 'object' || Array.isArray(choice)) return false;
  const keys = Object.keys(choice);
  return keys.length === 1 && keys[0] === 'value';
}

/** The value a choice stands for (undefined = the field is absent on that side). */
export function choiceValue(choice: unknown, field: string, local: JsonObject, remote: JsonObject): unknown {
  if (choice === 'local') return local[field];
  if (choice === 'remote') return remote[field];
  if (isValueWrapper(choice)) return choice.value;
  return choice;
}

/** Rejects choices naming fields the records do not have (or that the remote owns). */
export function checkChoiceFields(choices: RawChoices, base: JsonObject, local: JsonObject, remote: JsonObject): void {
  const known = new Set(contentFields(base, local, remote));
  const unknown = Object.keys(choices).filter((field) => !known.has(field));
  if (unknown.length === 0) return;
  const owned = unknown.filter((f) => REMOTE_OWNED_FIELDS.has(f) || f === IDENTITY_FIELD);
  const detail = owned.length === unknown.length
    ? `Field(s) ${unknown.join(', ')} always follow the remote and cannot be chosen; remove them from "fields".`
    : `Field(s) ${unknown.join(', ')} do not exist on this skill; choose among ${[...known].join(', ') || 'no fields'}.`;
  throw badRequest('invalid_merge_choice', detail, { fields: unknown });
}

/**
 * The merged record with the choices applied. Throws 409 merge_not_possible naming the
 * clashing fields that have no choice.
 */
export function applyChoices(merge: MergeResult, local: JsonObject, remote: JsonObject, choices: RawChoices = {}): JsonObject {
  const missing = merge.clashes.filter((field) => !Object.prototype.hasOwnProperty.call(choices, field));
  if (missing.length > 0) {
    throw conflictState(
      'merge_not_possible',
      `Both sides changed ${missing.join(', ')} differently; resolve with local_wins or remote_wins, ` +
        `or give a choice for each in {"fields": {"<field>": "local" | "remote" | {"value": ...}}}.`,
      { fields: missing },
    );
  }
  const applied: JsonObject = { ...merge.merged };
  for (const [field, choice] of Object.entries(choices)) {
    const value = choiceValue(choice, field, local, remote);
    if (value === undefined) delete applied[field];
    else applied[field] = value;
  }
  if (typeof applied.name !== 'string' || applied.name.trim() === '') {
    throw badRequest('invalid_merge_choice', 'A skill needs a non-empty string "name"; choose "local", "remote" or a string value for it.', { fields: ['name'] });
  }
  return applied;
}
