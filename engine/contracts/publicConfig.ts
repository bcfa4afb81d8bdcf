/**
 * GET /api/admin/sync/config (and the answer to PUT /config): the settings in force, as an
 * operator may see them. Never a token: `token_configured` says whether one is set, and URLs
 * that can hold a password (database, proxies) come redacted. A type, not an interface, so it
 * can be read field by field by name (as a `Record<string, unknown>`) without a cast.
 */
export type PublicConfig = {
  sync_interval_minutes: number;
  sync_batch_size: number;
  /** An incremental run lists everything instead when the last full listing is older than this. */
  full_sync_interval_minutes: number;
  sync_enabled: boolean;
  rating_sync_interval_minutes: number;
  rating_batch_size: number;
  rating_max_attempts: number;
  websocket_enabled: boolean;
  websocket_backoff_max_seconds: number;
  /** The remote in use: in demo mode the built-in emulator's URL (null before it started). */
  api_url: string | null;
  ws_url: string | null;
  demo_mode: boolean;
  db_path: string;
  database: 'sqlite' | 'postgres';
  /** ATOM_DATABASE_URL with its password as `***`; null on SQLite. */
  database_url: string | null;
  replica_id: string;
  log_path: string;
  conflict_strategy: 'manual' | 'local_wins' | 'remote_wins' | 'merge';
  /** Whether the strategy may also resolve critical conflicts and version downgrades. */
  conflict_auto_critical: boolean;
  http_timeout_seconds: number;
  db_busy_timeout_seconds: number;
  host: string;
  port: number;
  instance_id: string;
  token_configured: boolean;
  admin_token_configured: boolean;
  /** Which desktop notifications to show. */
  notifications: 'all' | 'errors' | 'none';
  https_proxy: string | null;
  http_proxy: string | null;
  no_proxy: string | null;
};
