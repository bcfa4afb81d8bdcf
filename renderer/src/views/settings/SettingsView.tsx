import { ErrorMessage, Loading } from '../../components/States.js';
import { useApi } from '../../state/ApiContext.js';
import { useConfig } from '../../state/ConfigContext.js';
import { useResource } from '../../state/useResource.js';
import { EffectiveSettings } from './EffectiveSettings.js';
import { HelpSection } from './HelpSection.js';
import { SettingsForm } from './SettingsForm.js';

/** The token is shown as a field of its own; these say the same thing in other words. */
const SHOWN_ELSEWHERE = ['token_configured', 'demo_mode'];

/** Settings the engine lets you change (applied live), the rest for reference, and help. */
export function SettingsView() {
  const api = useApi();
  const { config, error: configError, version, reload } = useConfig();
  const settings = useResource(() => api.settings(), `settings|${version}`);
  const skip = new Set([...SHOWN_ELSEWHERE, ...(settings.data?.fields.map((f) => f.name) ?? [])]);
  const logPath = config?.log_path ?? null;
  return (
    <section className="view view-narrow" aria-labelledby="settings-title">
      <div className="view-head">
        <h2 id="settings-title">Settings</h2>
      </div>
      <p className="view-lead">Changes apply as soon as you save; the sync engine reconnects by itself. The API token is never shown.</p>
      {settings.error && <ErrorMessage text={settings.error} onRetry={settings.reload} />}
      {settings.loading && !settings.data && <Loading what="settings" />}
      {settings.data && <SettingsForm settings={settings.data} />}
      <HelpSection logPath={logPath} />
      {configError && !config && <ErrorMessage text={configError} onRetry={reload} />}
      {config && (settings.data || settings.error) && <EffectiveSettings config={config} skip={skip} />}
    </section>
  );
}
