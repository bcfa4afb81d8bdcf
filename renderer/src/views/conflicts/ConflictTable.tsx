import type { ReactNode } from 'react';
import type { ConflictListResponse, ConflictSummary } from '../../../../engine/contracts/localHttpApi.js';
import { Pager } from '../../components/Pager.js';
import { ErrorMessage, Loading } from '../../components/States.js';
import type { Resource } from '../../state/useResource.js';

export interface ConflictColumn {
  /** The heading, and the cell's label when the table stacks on a narrow window. */
  label: string;
  /** Shown in the heading instead of the label (the select-all box). */
  head?: ReactNode;
  className?: string;
  cell(c: ConflictSummary): ReactNode;
  /** The cell's tooltip (the exact time behind an age). */
  title?(c: ConflictSummary): string;
}

export interface ConflictTableProps {
  list: Resource<ConflictListResponse>;
  columns: readonly ConflictColumn[];
  /** Names the table (`<caption>`, read by screen readers only). */
  caption: string;
  /** Test ids of the table and of each row. */
  testId: string;
  rowTestId: string;
  /** "Loading …" while the first page comes. */
  loadingWhat: string;
  /** Shown when the page is empty. */
  empty: ReactNode;
  limit: number;
  offset: number;
  onOffset(offset: number): void;
}

/** One page of conflicts as a table, with its loading, error and empty states and the pager. */
export function ConflictTable({ list, columns, caption, testId, rowTestId, loadingWhat, empty, limit, offset, onOffset }: ConflictTableProps) {
  const items = list.data?.items ?? [];
  return (
    <>
      {list.error && <ErrorMessage text={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading what={loadingWhat} />}
      {list.data && items.length === 0 && empty}
      {items.length > 0 && (
        <table className="table table-stack" data-testid={testId}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((col) => (
                <th key={col.label} scope="col" className={col.className}>
                  {col.head ?? col.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-testid={rowTestId} data-id={c.id} data-entity-id={c.entity_id}>
                {columns.map((col) => (
                  <td key={col.label} className={col.className} data-label={col.label} title={col.title?.(c)}>
                    {col.cell(c)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} limit={limit} total={list.data?.total ?? 0} onChange={onOffset} />
    </>
  );
}
