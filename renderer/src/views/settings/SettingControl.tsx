import type { SettingField } from '../../../../engine/contracts/localHttpApi.js';
import { describedBy, Field, lockedNote } from '../../components/Field.js';
import { choiceLabel } from './settingGroups.js';
import { shownValue, type Draft } from './settingsDraft.js';
import { TokenControl } from './TokenControl.js';

/** One setting as the control its type calls for, locked (read-only) when the environment sets it. */
export function SettingControl(props: {
  field: SettingField;
  canSave: boolean;
  draft: Draft;
  error: string | null;
  onChange: (value: string | boolean | null | undefined) => void;
}) {
  const { field, canSave, draft, error, onChange } = props;
  const id = `setting-${field.name}`;
  const note = lockedNote(field, canSave);
  const locked = note !== null;
  const value = shownValue(field, draft);
  const hint = field.help ?? (field.type === 'url' && !locked ? 'Leave it empty for the default.' : '');
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy(id, { hint, note, error }),
  } as const;

  if (field.type === 'secret') {
    return (
      <Field id={id} name={field.name} label={field.label} note={note} error={error} labelFor={false}>
        <TokenControl
          id={id}
          field={field}
          locked={locked}
          draft={field.name in draft ? (draft[field.name] as string | null) : undefined}
          error={error}
          hasNote={note !== null}
          onChange={onChange}
        />
      </Field>
    );
  }
  if (field.type === 'boolean') {
    return (
      <Field id={id} name={field.name} label={field.label} note={note} error={error} hint={hint || undefined} labelFor={false}>
        <label className="switch">
          <input {...common} type="checkbox" checked={value === true} disabled={locked} aria-labelledby={`${id}-label`} onChange={(e) => onChange(e.target.checked)} />
          <span aria-hidden="true">{value === true ? 'On' : 'Off'}</span>
        </label>
      </Field>
    );
  }
  if (field.type === 'choice') {
    return (
      <Field id={id} name={field.name} label={field.label} note={note} error={error} hint={hint || undefined}>
        <select {...common} className="input" value={String(value)} disabled={locked} onChange={(e) => onChange(e.target.value)}>
          {(field.choices ?? []).map((choice) => (
            <option key={choice} value={choice}>
              {choiceLabel(choice)}
            </option>
          ))}
        </select>
      </Field>
    );
  }
  if (field.type === 'integer') {
    return (
      <Field id={id} name={field.name} label={field.label} note={note} error={error} hint={hint || undefined}>
        <span className="input-with-unit">
          <input
            {...common}
            className="input input-number"
            type="number"
            inputMode="numeric"
            step={1}
            {...(field.min !== undefined ? { min: field.min } : {})}
            {...(field.max !== undefined ? { max: field.max } : {})}
            value={String(value)}
            readOnly={locked}
            onChange={(e) => onChange(e.target.value)}
          />
          {field.unit && <span className="unit">{field.unit}</span>}
        </span>
      </Field>
    );
  }
  return (
    <Field id={id} name={field.name} label={field.label} note={note} error={error} hint={hint || undefined}>
      <input {...common} className="input" type="url" inputMode="url" spellCheck={false} value={String(value)} readOnly={locked} onChange={(e) => onChange(e.target.value)} />
    </Field>
  );
}
