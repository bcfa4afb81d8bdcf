import { useState } from 'react';
import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';
import { ActionMessage, ErrorMessage, Loading } from '../../components/States.js';
import { rememberDemoChoice } from '../../lib/demoChoice.js';
import { useApi } from '../../state/ApiContext.js';
import { useConfig } from '../../state/ConfigContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useAction } from '../../state/useAction.js';
import { useResource } from '../../state/useResource.js';
import { navigate } from '../../state/useRoute.js';
import { ConnectForm } from './ConnectForm.js';
import { FirstSync } from './FirstSync.js';

/** Demo mode, one click away: remembered, so the Connect screen stops opening by itself. */
function DemoChoice({ demoMode }: { demoMode: boolean }) {
  const api = useApi();
  const action = useAction();
  const choose = () => {
    if (demoMode) {
      rememberDemoChoice(true);
      navigate('#/');
      return;
    }
    // Connected: going back to demo mode clears the API URL (the token stays stored).
    void action.run(() => api.updateConfig({ api_url: null }), () => 'Demo mode is on.').then((done) => {
      if (done === null) return;
      rememberDemoChoice(true);
      navigate('#/');
    });
  };
  return (
    <div className="demo-choice" data-testid="demo-choice">
      <span className="demo-choice-text">
        {demoMode ? 'Just looking? ' : ''}Demo mode syncs with a built-in sample catalogue; nothing is sent to Atom SaaS. You can connect later from Settings.
      </span>
      <button type="button" className="button button-small" onClick={choose} disabled={action.busy}>
        {demoMode ? 'Use demo mode' : 'Switch to demo mode'}
      </button>
      <ActionMessage message={action.tone === 'error' ? action.message : null} tone={action.tone} />
    </div>
  );
}

/** First-run set-up (and the way back to it from Settings): connect this engine to Atom SaaS. */
export function ConnectView() {
  const api = useApi();
  const live = useLive();
  const { config, version } = useConfig();
  const settings = useResource(() => api.settings(), `settings|${version}`);
  // The sync state when Connect was pressed: the first sync is whatever comes after it.
  const [connected, setConnected] = useState<{ before: EngineSnapshot['sync'] | null } | null>(null);
  const demoMode = config?.demo_mode ?? live.snapshot?.demo_mode ?? true;

  return (
    <section className="view view-narrow" aria-labelledby="connect-title">
      <div className="view-head">
        <h2 id="connect-title">Connect to Atom SaaS</h2>
      </div>
      <p className="view-lead">
        Enter the API address and token of your Atom SaaS account, test them, then connect. Atom Sync then keeps a copy of the skill catalogue in your local Atom
        database and uploads the ratings you make.
      </p>
      {!demoMode && !connected && config?.api_url && (
        <p className="message message-info" data-testid="connected-to">
          Connected to <code>{config.api_url}</code>. Change the address or token below to reconnect.
        </p>
      )}
      {!connected && <DemoChoice demoMode={demoMode} />}
      {settings.error && <ErrorMessage text={settings.error} onRetry={settings.reload} />}
      {settings.loading && !settings.data && <Loading what="the connection settings" />}
      {connected ? (
        <FirstSync before={connected.before} apiUrl={config && !config.demo_mode ? config.api_url : null} onBack={() => setConnected(null)} />
      ) : (
        settings.data && <ConnectForm settings={settings.data} demoMode={demoMode} onConnected={(before) => setConnected({ before })} />
      )}
    </section>
  );
}
