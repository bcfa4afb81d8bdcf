import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';
import { ErrorMessage, Loading } from '../../components/States.js';
import { headerStatus } from '../../lib/overallStatus.js';
import { useConfig } from '../../state/ConfigContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNow } from '../../state/NowContext.js';
import { AuthNotice } from './AuthNotice.js';
import { HealthPanel } from './HealthPanel.js';
import { HistoryPanel } from './HistoryPanel.js';
import { RatingsPanel } from './RatingsPanel.js';
import { SyncPanel } from './SyncPanel.js';
import { WebSocketPanel } from './WebSocketPanel.js';

/** What the header names as needing attention, when the overall state is amber. */
function attentionFor(snapshot: EngineSnapshot, now: number, interval: number | undefined): string[] {
  const status = headerStatus(snapshot, now, interval);
  return status.state === 'degraded' ? status.reasons : [];
}

export function DashboardView() {
  const { snapshot, error, refresh } = useLive();
  const { config } = useConfig();
  const now = useNow();
  if (!snapshot) return error ? <ErrorMessage text={error} onRetry={refresh} /> : <Loading what="the sync status" />;
  return (
    <div className="dashboard">
      <AuthNotice snapshot={snapshot} />
      <HealthPanel health={snapshot.health} attention={attentionFor(snapshot, now, config?.sync_interval_minutes)} />
      <SyncPanel snapshot={snapshot} />
      <div className="stack">
        <WebSocketPanel websocket={snapshot.websocket} />
        <RatingsPanel ratings={snapshot.ratings} />
      </div>
      <HistoryPanel snapshot={snapshot} />
    </div>
  );
}
