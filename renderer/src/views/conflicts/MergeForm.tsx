import { useState, type FormEvent } from 'react';
import type { ConflictField, MergeChoice } from '../../../../engine/contracts/localHttpApi.js';
import { showValue } from '../../lib/fieldValue.js';
import { MergeFieldChoice } from './MergeFieldChoice.js';
import { buildMergeFields, type FieldChoice } from './mergeChoices.js';

/** A choice for every clashing field; fields only one side changed merge by themselves. */
export function MergeForm({
  clashing,
  busy,
  serverFields,
  onSubmit,
  onCancel,
}: {
  clashing: readonly ConflictField[];
  busy: boolean;
  /** Fields the engine said still need a choice (409 merge_not_possible). */
  serverFields: readonly string[];
  onSubmit: (fields: Record<string, MergeChoice>) => void;
  onCancel: () => void;
}) {
  const [choices, setChoices] = useState<Record<string, FieldChoice>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const built = buildMergeFields(clashing, choices);
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    onSubmit(built.fields);
  };

  return (
    <form className="merge-form" onSubmit={submit} aria-labelledby="merge-title" data-testid="merge-form">
      <h3 id="merge-title">Merge</h3>
      <p>
        {clashing.length === 0
          ? 'No field clashes: each change comes from one side only, so the merge keeps both.'
          : 'Fields changed on one side only are merged as they are. For each field both sides changed, choose what to keep.'}
      </p>
      {serverFields.length > 0 && (
        <p className="message message-error" role="alert">
          Still needs a choice: {serverFields.join(', ')}
        </p>
      )}
      {clashing.map((field) => (
        <MergeFieldChoice
          key={field.field}
          field={field}
          choice={choices[field.field]}
          error={errors[field.field] ?? null}
          initialText={showValue(field.local ?? field.remote ?? '')}
          onChange={(choice) => {
            setChoices((c) => ({ ...c, [field.field]: choice }));
            setErrors(({ [field.field]: _cleared, ...rest }) => rest);
          }}
        />
      ))}
      <div className="form-buttons">
        <button type="submit" className="button button-primary" disabled={busy}>
          Resolve with merge
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
