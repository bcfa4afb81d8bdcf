import { ActionMessage } from '../../components/States.js';
import { useLive } from '../../state/LiveContext.js';
import { useNotice } from '../../state/NoticeContext.js';
import { ConflictTabs } from './ConflictTabs.js';
import { OpenConflicts } from './OpenConflicts.js';
import { ResolvedConflicts } from './ResolvedConflicts.js';

export function ConflictsView({ tab }: { tab: 'open' | 'resolved' }) {
  const { snapshot } = useLive();
  // A notice from the detail view ("resolved"); it clears itself when the list is left.
  const { notice } = useNotice();
  return (
    <section className="view" aria-labelledby="conflicts-title">
      <div className="view-head">
        <h2 id="conflicts-title">Conflicts</h2>
      </div>
      <p className="view-lead">Skills changed both here and on Atom SaaS. Choose which version to keep, or merge them field by field.</p>
      <ActionMessage message={notice?.text ?? null} tone={notice?.tone ?? null} />
      <ConflictTabs tab={tab} openCount={snapshot ? snapshot.conflicts.unresolved : null} />
      {tab === 'open' ? <OpenConflicts /> : <ResolvedConflicts />}
    </section>
  );
}
