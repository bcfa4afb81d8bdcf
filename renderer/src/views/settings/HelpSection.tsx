import { useEffect, useState } from 'react';
import { ApiError, errorText } from '../../api/apiError.js';
import { LOG_LEVELS, SUPPORT_BUNDLE_PATH, type LogLevel, type SavedBundle } from '../../api/client.js';
import { ActionMessage } from '../../components/States.js';
import { formatBytes } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { useAction } from '../../state/useAction.js';

/** In a browser the bundle downloads; in the desktop window (the bridge carries text) it is saved on disk and the path shown. */
function DiagnosticsBundle() {
  const api = useApi();
  const action = useAction();
  const [saved, setSaved] = useState<SavedBundle | null>(null);
  if (!api.desktop) {
    return (
      <a className="button" href={SUPPORT_BUNDLE_PATH} download data-testid="bundle-download">
        Create diagnostics bundle
      </a>
    );
  }
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={action.busy}
        onClick={() =>
          void action.run(
            () => api.saveSupportBundle(),
            (bundle) => {
              setSaved(bundle);
              return `Saved (${formatBytes(bundle.bytes)}).`;
            },
          )
        }
      >
        {action.busy ? 'Creating…' : 'Create diagnostics bundle'}
      </button>
      <ActionMessage message={action.tone === 'error' ? action.message : null} tone={action.tone} />
      {saved && action.tone === 'success' && (
        <p className="bundle-saved" role="status" data-testid="bundle-saved">
          Saved to <code>{saved.path}</code> ({formatBytes(saved.bytes)}). Attach this file to your message to support.
        </p>
      )}
    </>
  );
}

const LEVEL_WORDS: Record<LogLevel, string> = {
  error: 'Errors only',
  warn: 'Warnings and errors',
  info: 'Normal (info)',
  debug: 'Everything (debug)',
};

/** The running engine's log level; a restart goes back to the configured one. */
function LogLevelSwitch() {
  const api = useApi();
  const [level, setLevel] = useState<LogLevel | null>(null);
  const [fixed, setFixed] = useState<string | null>(null);
  const action = useAction();
  useEffect(() => {
    let current = true;
    api.logLevel().then(
      (answer) => current && setLevel(answer.level),
      (error: unknown) => current && setFixed(error instanceof ApiError && error.code === 'log_level_fixed' ? error.detail : errorText(error)),
    );
    return () => {
      current = false;
    };
  }, [api]);
  return (
    <div className="field">
      <label className="field-label" htmlFor="log-level">
        Log level
      </label>
      <select
        id="log-level"
        className="input"
        value={level ?? ''}
        disabled={level === null || action.busy}
        aria-describedby="log-level-hint"
        onChange={(e) => {
          const next = e.target.value as LogLevel;
          void action.run(
            () => api.setLogLevel(next),
            (answer) => {
              setLevel(answer.level);
              return `The log level is now “${LEVEL_WORDS[answer.level]}” until Atom Sync restarts.`;
            },
          );
        }}
      >
        {level === null && <option value="">{fixed ? 'Cannot be switched' : 'Loading…'}</option>}
        {LOG_LEVELS.map((l) => (
          <option key={l} value={l}>
            {LEVEL_WORDS[l]}
          </option>
        ))}
      </select>
      <p className="field-hint" id="log-level-hint">
        {fixed ?? 'Switch to “Everything” while reproducing a problem. It goes back to the configured level when Atom Sync restarts.'}
      </p>
      <ActionMessage message={action.message} tone={action.tone} />
    </div>
  );
}

/** Getting help without a terminal: a diagnostics bundle, where the log is, and more detail in it. */
export function HelpSection({ logPath }: { logPath: string | null }) {
  return (
    <section className="card help" aria-labelledby="help-title" data-testid="help-section">
      <h3 id="help-title">Help and diagnostics</h3>
      <p className="card-lead">
        Something not working? Create a diagnostics bundle (recent logs, settings and status; API tokens are left out) and send it to support.
      </p>
      <div className="help-row">
        <DiagnosticsBundle />
      </div>
      <dl className="help-facts">
        <div>
          <dt>Log file</dt>
          <dd>
            <code data-testid="log-path">{logPath ?? '–'}</code>
          </dd>
        </div>
      </dl>
      <LogLevelSwitch />
    </section>
  );
}
