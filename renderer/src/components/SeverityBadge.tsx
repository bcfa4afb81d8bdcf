import type { Severity } from '../../../engine/contracts/api.js';

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge badge-${severity}`} data-severity={severity}>
      {severity}
    </span>
  );
}
