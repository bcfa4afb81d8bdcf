import { diffLines, diffStats } from '../../lib/lineDiff.js';

const SIGN = { same: ' ', removed: '−', added: '+' } as const;
const SPOKEN = { same: '', removed: 'only in local: ', added: 'only in remote: ' } as const;

/** Line diff of a code-like field, local (−) against remote (+). */
export function DiffView({ field, local, remote }: { field: string; local: string; remote: string }) {
  const lines = diffLines(local, remote);
  const stats = diffStats(lines);
  return (
    <figure className="diff" data-testid={`diff-${field}`}>
      <figcaption>
        <code>{field}</code>: {stats.removed} line{stats.removed === 1 ? '' : 's'} only in local (−), {stats.added} only in remote (+)
      </figcaption>
      <div className="diff-body">
        {lines.length === 0 && <p className="diff-empty">Both sides are empty.</p>}
        {lines.map((line, i) => (
          <div key={i} className={`diff-line diff-${line.kind}`}>
            <span className="diff-no" aria-hidden="true">
              {line.oldLine ?? ''}
            </span>
            <span className="diff-no" aria-hidden="true">
              {line.newLine ?? ''}
            </span>
            <span className="diff-sign" aria-hidden="true">
              {SIGN[line.kind]}
            </span>
            <span className="diff-text">
              {SPOKEN[line.kind] && <span className="visually-hidden">{SPOKEN[line.kind]}</span>}
              {line.text || ' '}
            </span>
          </div>
        ))}
      </div>
    </figure>
  );
}
