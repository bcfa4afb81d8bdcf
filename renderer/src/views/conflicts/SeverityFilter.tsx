import type { Severity } from '../../../../engine/contracts/localHttpApi.js';

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export function SeverityFilter({ value, onChange }: { value: Severity | null; onChange: (value: Severity | null) => void }) {
  return (
    <label className="field-inline">
      <span>Severity</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : (e.target.value as Severity))}>
        <option value="">All</option>
        {SEVERITIES.map((s) => (
          <option key={s} value={s}>
            {s.charAt(0).toUpperCase() + s.slice(1)}
          </option>
        ))}
      </select>
    </label>
  );
}
