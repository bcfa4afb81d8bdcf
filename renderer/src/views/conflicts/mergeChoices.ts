import type { ConflictField, MergeChoice } from '../../../../engine/contracts/localHttpApi.js';
import { editsAsText, parseEdited } from '../../lib/fieldValue.js';

export type FieldChoice = { kind: 'local' } | { kind: 'remote' } | { kind: 'edit'; text: string };

/** The `fields` body of a merge, or the per-field problems that stop it from being sent. */
export function buildMergeFields(
  clashing: readonly ConflictField[],
  choices: Readonly<Record<string, FieldChoice>>,
): { ok: true; fields: Record<string, MergeChoice> } | { ok: false; errors: Record<string, string> } {
  const fields: Record<string, MergeChoice> = {};
  const errors: Record<string, string> = {};
  for (const field of clashing) {
    const choice = choices[field.field];
    if (!choice) {
      errors[field.field] = 'Choose local, remote or a new value.';
    } else if (choice.kind === 'edit') {
      const parsed = parseEdited(choice.text, editsAsText(field.local, field.remote));
      if (parsed.ok) fields[field.field] = { value: parsed.value };
      else errors[field.field] = parsed.error;
    } else {
      fields[field.field] = choice.kind;
    }
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, fields };
}
