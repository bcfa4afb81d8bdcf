import { ErrorMessage, Loading } from '../../components/States.js';
import { formatSetting, humanize } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { useResource } from '../../state/useResource.js';

const ACRONYMS = /\b(api|ws|url|db|http|id)\b/gi;

/** "api_url" -> "API URL". */
function label(key: string): string {
  return humanize(key).replace(ACRONYMS, (word) => word.toUpperCase());
}

/** The engine's effective settings, read-only (they come from the environment or the settings file). */
export function SettingsView() {
  const api = useApi();
  const config = useResource(() => api.config(), 'config');
  return (
    <section className="view" aria-labelledby="settings-title">
      <div className="view-head">
        <h2 id="settings-title">Settings</h2>
      </div>
      <p className="view-lead">The sync engine&apos;s effective settings. The API token is never shown.</p>
      {config.error && <ErrorMessage text={config.error} onRetry={config.reload} />}
      {config.loading && !config.data && <Loading what="settings" />}
      {config.data && (
        <dl className="settings" data-testid="settings">
          {Object.entries(config.data).map(([key, value]) => (
            <div key={key}>
              <dt>{label(key)}</dt>
              <dd>
                <code>{formatSetting(key, value)}</code>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
