import type { ReactNode } from 'react';
import type { SettingField } from '../../../engine/contracts/localHttpApi.js';

/** The ids an input's aria-describedby lists: its hint, its note and its error, when shown. */
export function describedBy(id: string, parts: { hint?: unknown; note?: unknown; error?: unknown }): string | undefined {
  const ids = [parts.note ? `${id}-note` : null, parts.hint ? `${id}-hint` : null, parts.error ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export interface LockedNote {
  badge: string;
  text: string;
}

/** Why a field cannot be changed here, or null when it can. */
export function lockedNote(field: Pick<SettingField, 'source' | 'env' | 'editable'> | undefined, canSave: boolean): LockedNote | null {
  if (!field) return null;
  if (field.source === 'environment') return { badge: 'set by environment', text: `${field.env} sets this; change it there and restart Atom Sync.` };
  if (!field.editable || !canSave) return { badge: 'read-only', text: 'This engine cannot save settings.' };
  return null;
}

/** A labelled control with its hint, a note when it is locked, and its error (announced). */
export function Field(props: {
  id: string;
  name: string;
  label: string;
  hint?: ReactNode;
  note?: LockedNote | null;
  error?: string | null;
  /** For a group of controls (a checkbox, buttons) that has its own labels. */
  labelFor?: boolean;
  children: ReactNode;
}) {
  const { id, name, label, hint, note, error, labelFor = true, children } = props;
  return (
    <div className={`field${error ? ' field-invalid' : ''}${note ? ' field-locked' : ''}`} data-testid={`field-${name}`} data-locked={note ? 'true' : 'false'}>
      {labelFor ? (
        <label className="field-label" htmlFor={id}>
          {label}
        </label>
      ) : (
        <span className="field-label" id={`${id}-label`}>
          {label}
        </span>
      )}
      {note && (
        <p className="field-note" id={`${id}-note`}>
          <span className="badge badge-env">{note.badge}</span> <span>{note.text}</span>
        </p>
      )}
      {children}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
