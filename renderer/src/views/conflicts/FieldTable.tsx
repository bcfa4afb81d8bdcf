import type { ConflictField } from '../../../../engine/contracts/localHttpApi.js';
import { SeverityBadge } from '../../components/SeverityBadge.js';
import { sameValue } from '../../lib/fieldValue.js';
import { FieldValue } from './FieldValue.js';

function changeNote(field: ConflictField): string {
  if (!field.mergeable) return 'Both sides changed it differently';
  const local = !sameValue(field.local, field.base);
  const remote = !sameValue(field.remote, field.base);
  if (local && remote) return 'Both sides made the same change';
  if (local) return 'Changed locally';
  if (remote) return 'Changed on Atom SaaS';
  return 'Unchanged';
}

/** Base, local and remote side by side for every field; clashes highlighted. */
export function FieldTable({ fields }: { fields: readonly ConflictField[] }) {
  return (
    <table className="table table-stack field-table" data-testid="field-table">
      <caption className="visually-hidden">Field values: last agreed version (base), local and remote</caption>
      <colgroup>
        <col className="col-field" />
        <col />
        <col />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Base</th>
          <th scope="col">Local</th>
          <th scope="col">Remote</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((field) => (
          <tr key={field.field} className={field.mergeable ? undefined : 'row-clash'} data-testid="field-row" data-field={field.field} data-clash={field.mergeable ? 'false' : 'true'}>
            <th scope="row" data-label="Field">
              <code>{field.field}</code>
              <span className="cell-sub">
                {!field.mergeable && <span className="clash-mark">Clash: </span>}
                {changeNote(field)}
              </span>
              {field.severity !== 'low' && <SeverityBadge severity={field.severity} />}
            </th>
            <td data-label="Base">
              <FieldValue value={field.base} />
            </td>
            <td data-label="Local">
              <FieldValue value={field.local} />
            </td>
            <td data-label="Remote">
              <FieldValue value={field.remote} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
