/** How the client reaches the engine: same-origin fetch in a browser, the preload bridge in Electron. */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

export interface TransportResponse {
  status: number;
  /** JSON text, an already parsed value, or null/'' for an empty body. */
  body: unknown;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;
