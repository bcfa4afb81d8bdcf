import type { ConnectionTestResult } from '../../../../engine/contracts/localHttpApi.js';
import { formatDuration, plural } from '../../lib/format.js';

/** What the test found, in the engine's own sentence; a failure is an alert, a success a status. */
export function TestResult({ result }: { result: ConnectionTestResult }) {
  if (!result.ok) {
    return (
      <div className="test-result test-result-failed" role="alert" data-testid="test-result" data-outcome={result.outcome}>
        <p className="test-result-title">Connection failed</p>
        <p>{result.message}</p>
      </div>
    );
  }
  return (
    <div className="test-result test-result-ok" role="status" data-testid="test-result" data-outcome={result.outcome}>
      <p className="test-result-title">Connection works</p>
      <p>{result.message}</p>
      {result.catalogue_size !== null && (
        <p data-testid="catalogue-size">
          The catalogue has {plural(result.catalogue_size, 'skill')}. (Answered in {formatDuration(result.elapsed_ms)}.)
        </p>
      )}
    </div>
  );
}
