import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { findBridge } from './api/bridge.js';
import { bridgeTransport } from './api/bridgeTransport.js';
import { ApiClient } from './api/client.js';
import { fetchTransport } from './api/fetchTransport.js';
import { bridgeLive, eventSourceLive } from './api/liveSources.js';
import { ApiProvider } from './state/ApiContext.js';
import { LiveProvider } from './state/LiveContext.js';
import { ConfigProvider } from './state/ConfigContext.js';
import { NoticeProvider } from './state/NoticeContext.js';
import { NowProvider } from './state/NowContext.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/tables.css';
import './styles/feedback.css';
import './styles/conflicts.css';
import './styles/forms.css';

// Inside the desktop app the preload bridge is the only way out; in a browser, same-origin HTTP.
const bridge = findBridge(window);
const client = new ApiClient(bridge ? bridgeTransport(bridge) : fetchTransport(), bridge !== null);
const openLive = bridge ? bridgeLive(bridge) : eventSourceLive();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ApiProvider client={client}>
      <NowProvider>
        <NoticeProvider>
          <LiveProvider open={openLive}>
            <ConfigProvider>
              <App />
            </ConfigProvider>
          </LiveProvider>
        </NoticeProvider>
      </NowProvider>
    </ApiProvider>
  </StrictMode>,
);
