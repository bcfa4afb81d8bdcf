import { useState, type FormEvent } from 'react';
import type { ConnectionTestResult, EngineSnapshot, SettingsResponse } from '../../../../engine/contracts/localHttpApi.js';
import { ApiError, errorText } from '../../api/apiError.js';
import type { ConnectionTestRequest } from '../../api/client.js';
import { describedBy, Field, lockedNote } from '../../components/Field.js';
import { apiUrlProblem, ATOM_SAAS_API_URL } from '../../lib/apiUrl.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { TestResult } from './TestResult.js';

type Errors = Partial<Record<'api_url' | 'api_token' | 'form', string>>;

/** API URL and token: test them, then save them (PUT /config), which reconnects the engine live. */
export function ConnectForm({ settings, demoMode, onConnected }: { settings: SettingsResponse; demoMode: boolean; onConnected: (before: EngineSnapshot['sync'] | null) => void }) {
  const api = useApi();
  const live = useLive();
  const urlField = settings.fields.find((f) => f.name === 'api_url');
  const tokenField = settings.fields.find((f) => f.name === 'api_token');
  const urlLocked = lockedNote(urlField, settings.can_save);
  const tokenLocked = lockedNote(tokenField, settings.can_save);
  const tokenStored = tokenField?.configured === true;
  // In demo mode the engine's URL is its built-in emulator: not worth showing back as "yours".
  const [url, setUrl] = useState(() => (typeof urlField?.value === 'string' && (!demoMode || urlField.source !== 'default') ? urlField.value : ''));
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState<'test' | 'connect' | null>(null);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);

  const check = (needToken: boolean): Errors => {
    const found: Errors = {};
    if (!urlLocked) {
      const problem = apiUrlProblem(url);
      if (problem) found.api_url = problem;
    }
    if (needToken && !tokenLocked && !tokenStored && token.trim() === '') found.api_token = 'Enter the API token from your Atom SaaS account.';
    return found;
  };

  const body = (): ConnectionTestRequest => ({
    ...(urlLocked ? {} : { api_url: url.trim() }),
    ...(tokenLocked || token.trim() === '' ? {} : { api_token: token.trim() }),
  });

  const fail = (error: unknown) => {
    if (error instanceof ApiError && error.code === 'invalid_setting' && (error.extra.field === 'api_url' || error.extra.field === 'api_token')) {
      setErrors({ [error.extra.field]: error.detail });
    } else {
      setErrors({ form: errorText(error) });
    }
  };

  const test = async () => {
    const found = check(false);
    setErrors(found);
    setResult(null);
    if (Object.keys(found).length > 0) return;
    setBusy('test');
    try {
      setResult(await api.testConnection(body()));
    } catch (error) {
      fail(error);
    } finally {
      setBusy(null);
    }
  };

  const connect = async (event: FormEvent) => {
    event.preventDefault();
    const found = check(true);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const update: Record<string, string> = { ...body() };
    if (Object.keys(update).length === 0) {
      setErrors({ form: 'Nothing to save: both fields are set by the environment.' });
      return;
    }
    setBusy('connect');
    const before = live.snapshot?.sync ?? null;
    try {
      await api.updateConfig(update);
      setToken('');
      onConnected(before);
    } catch (error) {
      fail(error);
    } finally {
      setBusy(null);
    }
  };

  const edited = () => {
    setResult(null);
    if (errors.form) setErrors(({ form: _form, ...rest }) => rest);
  };

  return (
    <form className="card form" onSubmit={(e) => void connect(e)} noValidate aria-labelledby="connect-form-title" data-testid="connect-form">
      <h3 id="connect-form-title">Your Atom SaaS account</h3>
      {!settings.can_save && settings.reason && <p className="message message-info">{settings.reason}</p>}
      <Field
        id="connect-url"
        name="api_url"
        label="API URL"
        note={urlLocked}
        error={errors.api_url ?? null}
        hint={<>The marketplace API address, usually <code>{ATOM_SAAS_API_URL}</code>.</>}
      >
        <input
          id="connect-url"
          className="input"
          type="url"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          placeholder={ATOM_SAAS_API_URL}
          value={url}
          readOnly={urlLocked !== null}
          aria-invalid={errors.api_url ? true : undefined}
          aria-describedby={describedBy('connect-url', { hint: true, note: urlLocked, error: errors.api_url })}
          onChange={(e) => {
            setUrl(e.target.value);
            setErrors(({ api_url: _cleared, ...rest }) => rest);
            edited();
          }}
        />
      </Field>
      <Field
        id="connect-token"
        name="api_token"
        label="API token"
        note={tokenLocked}
        error={errors.api_token ?? null}
        hint={
          <span data-testid="token-state">
            {tokenStored
              ? 'A token is stored (it is never shown). Leave this empty to keep it, or paste a new one to replace it.'
              : 'No token is stored yet. Once saved, it is never shown again.'}
          </span>
        }
      >
        <input
          id="connect-token"
          className="input"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={tokenStored ? '••••••••  (stored)' : 'Paste your API token'}
          value={token}
          readOnly={tokenLocked !== null}
          aria-invalid={errors.api_token ? true : undefined}
          aria-describedby={describedBy('connect-token', { hint: true, note: tokenLocked, error: errors.api_token })}
          onChange={(e) => {
            setToken(e.target.value);
            setErrors(({ api_token: _cleared, ...rest }) => rest);
            edited();
          }}
        />
      </Field>
      {errors.form && (
        <p className="message message-error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="form-buttons">
        <button type="button" className="button" disabled={busy !== null} onClick={() => void test()}>
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className="button button-primary" disabled={busy !== null || !settings.can_save}>
          {busy === 'connect' ? 'Connecting…' : 'Connect'}
        </button>
      </div>
      {result && <TestResult result={result} />}
    </form>
  );
}
