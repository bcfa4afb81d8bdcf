import type { BridgeRequest, BridgeResponse } from '../../../engine/contracts/bridge.js';

/**
 * How the client reaches the engine: same-origin fetch in a browser, the preload bridge in
 * Electron. Both carry the bridge's request; fetch answers with the body as text.
 */
export type Transport = (request: BridgeRequest) => Promise<BridgeResponse>;
