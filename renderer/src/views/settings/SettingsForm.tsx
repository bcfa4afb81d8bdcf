import { useEffect, useState, type FormEvent } from 'react';
import type { SettingsResponse } from '../../../../engine/contracts/localHttpApi.js';
import { ApiError, errorText } from '../../api/apiError.js';
import { ActionMessage } from '../../components/States.js';
import { useApi } from '../../state/ApiContext.js';
import { useConfig } from '../../state/ConfigContext.js';
import { SettingControl } from './SettingControl.js';
import { groupSettings } from './settingGroups.js';
import { draftChanges, pruneDraft, type Draft } from './settingsDraft.js';

function focusField(name: string): void {
  // After the error renders: the field's own control, or its first button (the token).
  requestAnimationFrame(() => {
    const box = document.querySelector<HTMLElement>(`[data-testid="field-${CSS.escape(name)}"]`);
    box?.querySelector<HTMLElement>('input, select, button')?.focus();
  });
}

/** Every setting the engine lists; Save sends only what changed (PUT /config) and the engine applies it live. */
export function SettingsForm({ settings }: { settings: SettingsResponse }) {
  const api = useApi();
  const { reload } = useConfig();
  const [draft, setDraft] = useState<Draft>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const { fields, can_save: canSave } = settings;

  // New values from the engine (a save here or elsewhere): edits that now match them are done.
  useEffect(() => setDraft((d) => pruneDraft(fields, d)), [fields]);

  const { update, errors: typed } = draftChanges(fields, draft);
  const changed = Object.keys(update);
  const pending = changed.length + Object.keys(typed).length;

  const change = (name: string, value: string | boolean | null | undefined) => {
    setDraft(({ [name]: _old, ...rest }) => (value === undefined ? rest : { ...rest, [name]: value }));
    setErrors(({ [name]: _cleared, ...rest }) => rest);
    setOutcome(null);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (Object.keys(typed).length > 0) {
      setErrors(typed);
      focusField(Object.keys(typed)[0]!);
      return;
    }
    if (changed.length === 0) return;
    setBusy(true);
    setOutcome(null);
    try {
      await api.updateConfig(update);
      const names = changed.map((name) => fields.find((f) => f.name === name)?.label ?? name);
      setDraft({});
      setErrors({});
      setOutcome({ tone: 'success', text: `Saved and applied: ${names.join(', ')}.` });
      reload();
    } catch (error) {
      const field = error instanceof ApiError && typeof error.extra.field === 'string' ? error.extra.field : null;
      if (field && fields.some((f) => f.name === field)) {
        setErrors({ [field]: errorText(error) });
        setOutcome({ tone: 'error', text: 'Nothing was saved: one setting needs fixing.' });
        focusField(field);
      } else {
        setOutcome({ tone: 'error', text: `Nothing was saved: ${errorText(error)}` });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="settings-form" onSubmit={(e) => void save(e)} noValidate aria-label="Settings you can change" data-testid="settings-form">
      {!canSave && (
        <p className="message message-info" role="note">
          {settings.reason ?? 'This engine cannot save settings; they are all read-only here.'}
        </p>
      )}
      {groupSettings(fields).map((group) => (
        <fieldset key={group.id} className="card setting-group" data-testid={`settings-group-${group.id}`}>
          <legend>{group.title}</legend>
          {group.id === 'connection' && (
            <p className="group-lead">
              <a href="#/connect">Connect to Atom SaaS step by step</a>: test the address and token before they are saved.
            </p>
          )}
          {group.fields.map((field) => (
            <SettingControl
              key={field.name}
              field={field}
              canSave={canSave}
              draft={draft}
              error={errors[field.name] ?? null}
              onChange={(value) => change(field.name, value)}
            />
          ))}
        </fieldset>
      ))}
      <div className={`form-bar${pending > 0 ? ' form-bar-pending' : ''}`}>
        <button type="submit" className="button button-primary" disabled={busy || !canSave || pending === 0}>
          {busy ? 'Saving…' : pending > 0 ? `Save changes (${pending})` : 'Save changes'}
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || Object.keys(draft).length === 0}
          onClick={() => {
            setDraft({});
            setErrors({});
            setOutcome(null);
          }}
        >
          Discard
        </button>
        <ActionMessage message={outcome?.text ?? null} tone={outcome?.tone ?? null} />
      </div>
    </form>
  );
}
