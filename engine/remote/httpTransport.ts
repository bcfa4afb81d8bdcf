import { request, type Dispatcher } from 'undici';
import { sleep, type Clock } from '../clock.js';
import { redactUrl, type ProxySettings } from '../config/index.js';
import { RemoteError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { backoffDelay, type Backoff } from './backoff.js';
import { DEFAULT_RETRY, kindForNetworkError, kindForStatus, parseRetryAfter, retryBackoff, type RetryPolicy } from './retryPolicy.js';
import { createHttpDispatcher, isProxyAuthRefusal, proxyAuthMessage, proxyFor, proxyRefusalStatus, type ProxyRoute } from './proxy.js';
import { ServerClockOffset } from './serverClockOffset.js';

export interface HttpTransportOptions {
  baseUrl: string;
  token: string | null;
  instanceId: string;
  timeoutMs: number;
  clock: Clock;
  log: Logger;
  retry?: RetryPolicy;
  random?: () => number;
  /** Called for each attempt that failed and will be retried (metrics, logs). */
  onRetry?: (error: RemoteError, attempt: number, delayMs: number, request: { path: string; method: string }) => void;
  /** The server's clock (its Date header, ms) on every answer: the catalogue sync watches it step back. */
  onServerTime?: (serverTimeMs: number) => void;
  /** Forward proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); none when absent. */
  proxy?: ProxySettings;
}

export interface JsonResponse {
  status: number;
  body: unknown;
  serverTime: number | null;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  signal?: AbortSignal;
  /** Statuses returned to the caller as-is instead of thrown (e.g. 404 on an *ext* path). */
  passStatuses?: readonly number[];
  /**
   * False for a request that must not reach the server twice (a POST without an idempotency
   * key): it is retried only when the server refused it before doing anything (see `unprocessed`).
   */
  idempotent?: boolean;
  /** Attempts for this call (default: the retry policy's), e.g. 1 for a best-effort probe. */
  maxAttempts?: number;
}


/**
 * Whether a failed attempt certainly changed nothing on the server: a 429, or a 503 that says
 * when to come back. A reset, a timeout, a malformed reply or any other 5xx may come after
 * the server stored the request.
 */
export function unprocessed(error: RemoteError): boolean {
  return error.status === 429 || (error.status === 503 && error.retryAfterMs !== null);
}

/**
 * JSON over a pooled keep-alive connection, with retries on what is worth retrying:
 * 5xx, 429, timeouts, resets, unparseable bodies (for a non-idempotent call only what the
 * server refused unprocessed). 401/403 and other 4xx fail at once.
 */
export class HttpTransport {
  private readonly agent: Dispatcher;
  private readonly retry: RetryPolicy;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private readonly headers: Record<string, string>;
  /** The proxy the calls go through (null: direct), named in a 407's message. */
  private readonly proxyRoute: ProxyRoute | null;
  /** Fed with every Date header here, and by the client with the stamps its answers carry. */
  readonly serverClock = new ServerClockOffset();

  constructor(private readonly options: HttpTransportOptions) {
    this.agent = createHttpDispatcher(options.proxy, { keepAliveTimeout: 30_000, connections: 8, pipelining: 1 });
    this.proxyRoute = proxyFor(options.baseUrl, options.proxy);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.backoff = retryBackoff(this.retry);
    this.random = options.random ?? Math.random;
    this.headers = {
      accept: 'application/json',
      'user-agent': 'atom-sync/0.1',
      'x-instance-id': options.instanceId,
    };
    if (options.token) {
      this.headers.authorization = `Bearer ${options.token}`;
      this.headers['x-api-token'] = options.token;
    }
  }

  async call(path: string, callOptions: CallOptions = {}): Promise<JsonResponse> {
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        return await this.once(path, callOptions);
      } catch (error) {
        if (!(error instanceof RemoteError) || !error.transient || attempt >= (callOptions.maxAttempts ?? this.retry.maxAttempts)) throw error;
        if (callOptions.idempotent === false && !unprocessed(error)) throw error;
        if (callOptions.signal?.aborted) throw error;
        const delay = backoffDelay(this.backoff, attempt, this.random, error.retryAfterMs);
        this.options.onRetry?.(error, attempt, delay, { path, method: callOptions.method ?? 'GET' });
        this.options.log.warn('remote call failed, retrying', {
          path,
          attempt,
          delay_ms: delay,
          kind: error.kind,
          status: error.status ?? undefined,
          error: error.message,
        });
        await sleep(this.options.clock, delay, callOptions.signal);
      }
    }
  }

  /** The server's clock minus ours (ms), from recent answers; null before any recent answer had a Date header. */
  serverClockOffsetMs(): number | null {
    return this.serverClock.estimate(this.options.clock.now());
  }

  private async once(path: string, { method = 'GET', body, signal, passStatuses = [] }: CallOptions): Promise<JsonResponse> {
    const url = this.options.baseUrl + path;
    let response: Dispatcher.ResponseData;
    const sentAt = this.options.clock.now();
    try {
      response = await request(url, {
        dispatcher: this.agent,
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal,
      });
    } catch (error) {
      throw this.proxyRefusal(error, method, path) ?? new RemoteError(kindForNetworkError(error), `${method} ${path}: ${(error as Error).message}`);
    }
    const { statusCode } = response;
    const serverTime = parseDate(response.headers.date);
    // Error answers carry the server's clock too.
    if (serverTime !== null) {
      this.serverClock.recordDate(serverTime, sentAt, this.options.clock.now());
      this.options.onServerTime?.(serverTime);
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw new RemoteError(kindForNetworkError(error), `${method} ${path}: connection lost mid-body (${(error as Error).message})`, statusCode);
    }
    if (statusCode === 407) throw new RemoteError('proxy_auth', proxyAuthMessage(this.proxyRoute), 407);
    if (statusCode >= 400 && !passStatuses.includes(statusCode)) {
      const retryAfter = parseRetryAfter(response.headers['retry-after'], this.options.clock.now());
      throw new RemoteError(kindForStatus(statusCode), `${method} ${path}: HTTP ${statusCode}${detailOf(text)}`, statusCode, retryAfter);
    }
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new RemoteError('invalid_response', `${method} ${path}: response is not valid JSON`, statusCode);
      }
    }
    return { status: statusCode, body: parsed, serverTime };
  }

  /**
   * The proxy refused the tunnel: asking for credentials is its own kind (never retried: more
   * tries with the same ones cannot help, and may lock the account behind them); a 5xx is the
   * proxy being unwell, retried like the server's; any other refusal is a rule of the proxy's.
   */
  private proxyRefusal(error: unknown, method: string, path: string): RemoteError | null {
    const status = proxyRefusalStatus(error);
    if (status === null) return null;
    if (isProxyAuthRefusal(status)) return new RemoteError('proxy_auth', proxyAuthMessage(this.proxyRoute, status), status);
    const where = this.proxyRoute ? `the proxy at ${redactUrl(this.proxyRoute.url)}` : 'the proxy';
    return new RemoteError(status >= 500 ? 'unavailable' : 'rejected', `${method} ${path}: ${where} refused the connection with HTTP ${status}`, status);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function parseDate(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

function detailOf(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown; error?: unknown };
    const detail = typeof body.detail === 'string' ? body.detail : typeof body.error === 'string' ? body.error : null;
    return detail ? ` (${detail.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
