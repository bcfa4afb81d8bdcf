import type { ConflictField } from '../../../../engine/contracts/localHttpApi.js';
import { editsAsText } from '../../lib/fieldValue.js';
import type { FieldChoice } from './mergeChoices.js';

/** For one clashing field: keep local, take remote, or type a new value. */
export function MergeFieldChoice({
  field,
  choice,
  error,
  onChange,
  initialText,
}: {
  field: ConflictField;
  choice: FieldChoice | undefined;
  error: string | null;
  onChange: (choice: FieldChoice) => void;
  initialText: string;
}) {
  const name = `merge-${field.field}`;
  const asText = editsAsText(field.local, field.remote);
  const errorId = `${name}-error`;
  return (
    <fieldset className="merge-field" data-testid={`merge-field-${field.field}`} aria-describedby={error ? errorId : undefined}>
      <legend>
        <code>{field.field}</code>
      </legend>
      <div className="merge-options">
        <label>
          <input type="radio" name={name} value="local" checked={choice?.kind === 'local'} onChange={() => onChange({ kind: 'local' })} />
          Local
        </label>
        <label>
          <input type="radio" name={name} value="remote" checked={choice?.kind === 'remote'} onChange={() => onChange({ kind: 'remote' })} />
          Remote
        </label>
        <label>
          <input
            type="radio"
            name={name}
            value="edit"
            checked={choice?.kind === 'edit'}
            onChange={() => onChange({ kind: 'edit', text: choice?.kind === 'edit' ? choice.text : initialText })}
          />
          Edit value
        </label>
      </div>
      {choice?.kind === 'edit' && (
        <label className="merge-edit">
          <span>
            New value for <code>{field.field}</code> ({asText ? 'text' : 'JSON'})
          </span>
          <textarea
            value={choice.text}
            rows={Math.min(12, Math.max(3, choice.text.split('\n').length + 1))}
            spellCheck={false}
            onChange={(e) => onChange({ kind: 'edit', text: e.target.value })}
          />
        </label>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
