import type { SettingField } from '../../../../engine/contracts/localHttpApi.js';
import { describedBy } from '../../components/Field.js';

/**
 * The API token is write-only: the page only says whether one is stored. "Replace token" opens a
 * password input; "Forget token" marks it to be removed on save (undone with "Keep token").
 */
export function TokenControl(props: {
  id: string;
  field: SettingField;
  locked: boolean;
  /** undefined: unchanged; string: the new token being typed; null: forget it. */
  draft: string | null | undefined;
  error: string | null;
  hasNote: boolean;
  onChange: (draft: string | null | undefined) => void;
}) {
  const { id, field, locked, draft, error, hasNote, onChange } = props;
  const stored = field.configured === true;
  const state =
    draft === null ? 'The stored token will be forgotten when you save.' : stored ? 'A token is stored. It is never shown.' : 'No token is stored.';
  return (
    <div className="token-control">
      <p className="token-state" id={`${id}-state`} data-testid="token-state">
        {state}
      </p>
      {typeof draft === 'string' && (
        <input
          id={id}
          className="input"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="Paste the new token"
          value={draft}
          aria-labelledby={`${id}-label`}
          aria-invalid={error ? true : undefined}
          aria-describedby={[`${id}-state`, describedBy(id, { note: hasNote, error })].filter(Boolean).join(' ')}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {!locked && (
        <div className="form-buttons">
          {draft === undefined && (
            <>
              <button type="button" className="button button-small" onClick={() => onChange('')}>
                {stored ? 'Replace token' : 'Add token'}
              </button>
              {stored && (
                <button type="button" className="button button-small" onClick={() => onChange(null)}>
                  Forget token
                </button>
              )}
            </>
          )}
          {draft !== undefined && (
            <button type="button" className="button button-small" onClick={() => onChange(undefined)}>
              {draft === null ? 'Keep token' : 'Cancel'}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
