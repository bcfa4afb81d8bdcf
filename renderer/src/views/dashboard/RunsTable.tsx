import { useState } from 'react';
import type { RunSummary } from '../../../../engine/contracts/localHttpApi.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatCount, formatDateTime, formatDuration, humanize } from '../../lib/format.js';
import { useNow } from '../../state/NowContext.js';

const RESULT_WORDS: Record<RunSummary['result'], string> = { running: 'Running', success: 'Succeeded', failure: 'Failed', cancelled: 'Cancelled' };
const FIRST_ROWS = 8;

/** Recent runs: when, what, how long, how many items, and how it ended (the chart's data as a table). */
export function RunsTable({ runs }: { runs: readonly RunSummary[] }) {
  const now = useNow();
  const [all, setAll] = useState(false);
  const shown = all ? runs : runs.slice(0, FIRST_ROWS);
  return (
    <>
      <table className="table runs-table" data-testid="runs-table">
        <caption className="visually-hidden">Recent sync runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col" className="col-optional">
              Run
            </th>
            <th scope="col">Duration</th>
            <th scope="col">Items</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((run) => (
            <tr key={run.id} className={run.result === 'failure' ? 'row-failed' : undefined} data-testid="run-row" data-result={run.result}>
              <td title={formatDateTime(run.started_at)}>{formatAgo(run.started_at, now)}</td>
              <td className="col-optional">
                {humanize(run.stream)} · {run.mode}
              </td>
              <td>{formatDuration(run.duration_ms)}</td>
              <td>{formatCount(run.items)}</td>
              <td>
                <span className={`result result-${run.result}`}>{RESULT_WORDS[run.result] ?? run.result}</span>
                {run.error && <span className="result-error">{run.error}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length > FIRST_ROWS && (
        <button type="button" className="button button-small table-more" aria-expanded={all} onClick={() => setAll((v) => !v)}>
          {all ? 'Show fewer runs' : `Show all ${runs.length} runs`}
        </button>
      )}
    </>
  );
}
