import { ErrorMessage, Loading } from '../../components/States.js';
import { useLive } from '../../state/LiveContext.js';
import { HealthPanel } from './HealthPanel.js';
import { HistoryPanel } from './HistoryPanel.js';
import { RatingsPanel } from './RatingsPanel.js';
import { SyncPanel } from './SyncPanel.js';
import { WebSocketPanel } from './WebSocketPanel.js';

export function DashboardView() {
  const { snapshot, error, refresh } = useLive();
  if (!snapshot) return error ? <ErrorMessage text={error} onRetry={refresh} /> : <Loading what="the sync status" />;
  return (
    <div className="dashboard">
      <HealthPanel health={snapshot.health} />
      <SyncPanel snapshot={snapshot} />
      <div className="stack">
        <WebSocketPanel websocket={snapshot.websocket} />
        <RatingsPanel ratings={snapshot.ratings} />
      </div>
      <HistoryPanel snapshot={snapshot} />
    </div>
  );
}
