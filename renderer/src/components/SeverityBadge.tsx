import type { Severity } from '../../../engine/contracts/localHttpApi.js';

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge badge-${severity}`} data-severity={severity}>
      {severity}
    </span>
  );
}
