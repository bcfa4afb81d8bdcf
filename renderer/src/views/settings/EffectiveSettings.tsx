import type { PublicConfig } from '../../../../engine/contracts/publicConfig.js';
import { formatSetting, humanize } from '../../lib/format.js';

const ACRONYMS = /\b(api|ws|url|db|http|https|id)\b/gi;

/** "api_url" -> "API URL". */
function label(key: string): string {
  return humanize(key).replace(ACRONYMS, (word) => word.toUpperCase());
}

/** Everything else the engine runs with (paths, host, port, instance id), read-only. */
export function EffectiveSettings({ config, skip }: { config: PublicConfig; skip: ReadonlySet<string> }) {
  const entries = Object.entries(config).filter(([key]) => !skip.has(key));
  if (entries.length === 0) return null;
  return (
    <section className="card" aria-labelledby="effective-title">
      <h3 id="effective-title">Other effective settings</h3>
      <p className="card-lead">Set when Atom Sync starts (environment or defaults); shown for reference.</p>
      <dl className="settings" data-testid="settings">
        {entries.map(([key, value]) => (
          <div key={key}>
            <dt>{label(key)}</dt>
            <dd>
              <code>{formatSetting(key, value)}</code>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
