/**
 * Whether the desktop app runs its own engine or uses an atom-sync daemon that already serves
 * the local API on our port. Two engines on one database file would fight over its lock and sync
 * everything twice, so a daemon on the same file is attached to; one on another file holds our
 * port, and starting anyway would leave the user with two apps that disagree.
 */
import path from 'node:path';

/** What answered on 127.0.0.1:<port> (the probe is the adapter's HTTP call). */
export type DaemonProbe =
  /** Nothing listens there (refused, timed out): the port is ours. */
  | { kind: 'none' }
  /** An atom-sync API: its `GET /api/admin/sync/config`. */
  | { kind: 'atom-sync'; url: string; dbPath: string }
  /** An atom-sync API that wants an admin token we do not have (401). */
  | { kind: 'locked'; url: string }
  /** Something else holds the port (another program, or an answer we cannot read). */
  | { kind: 'other'; url: string; detail: string };

export type AttachDecision =
  | { action: 'attach'; url: string }
  | { action: 'start'; note: string | null }
  | { action: 'refuse'; title: string; message: string };

export interface AttachInputs {
  /** The database this app would open (absolute; the adapter resolves symlinks first). */
  dbPath: string;
  port: number;
  platform: NodeJS.Platform;
}

/** The same file, as far as paths can tell (macOS and Windows file systems ignore case by default). */
export function sameDatabase(a: string, b: string, platform: NodeJS.Platform): boolean {
  const norm = (p: string) => {
    const resolved = platform === 'win32' ? path.win32.resolve(p) : path.posix.resolve(p);
    return platform === 'win32' || platform === 'darwin' ? resolved.toLowerCase() : resolved;
  };
  return norm(a) === norm(b);
}

export function attachDecision(probe: DaemonProbe, inputs: AttachInputs): AttachDecision {
  switch (probe.kind) {
    case 'none':
      return { action: 'start', note: null };
    case 'other':
      // Not an Atom Sync: our engine runs without its local API and the tray says why.
      return { action: 'start', note: `port ${inputs.port} is used by another program (${probe.detail})` };
    case 'locked':
      return {
        action: 'refuse',
        title: 'Atom Sync is already running',
        message:
          `An Atom Sync service at ${probe.url} asks for an admin token, so this app cannot tell which database it uses. ` +
          'Set ATOM_SYNC_ADMIN_TOKEN to the same value for this app to use that service, or stop it.',
      };
    case 'atom-sync':
      if (sameDatabase(probe.dbPath, inputs.dbPath, inputs.platform)) return { action: 'attach', url: probe.url };
      return {
        action: 'refuse',
        title: 'Another Atom Sync uses this port',
        message:
          `An Atom Sync service at ${probe.url} keeps the database ${probe.dbPath}; this app would use ${inputs.dbPath}. ` +
          `Stop that service, point both at the same database (ATOM_DB_PATH), or give this app another port (ATOM_SYNC_PORT).`,
      };
  }
}

/** The URL to probe: loopback, whatever address the API binds (a wildcard bind answers there too). */
export function probeUrl(host: string, port: number): string | null {
  if (port === 0) return null;
  const loopbackV6 = host === '::1' || host === '[::1]';
  return loopbackV6 ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`;
}

/**
 * Reads an answer to `GET /api/admin/sync/config` into a probe result. `status` 0 means nothing
 * answered (connection refused, reset or timed out).
 */
export function readProbeAnswer(url: string, status: number, body: unknown): DaemonProbe {
  if (status === 0) return { kind: 'none' };
  if (status === 401 && isObject(body) && typeof body.error === 'string') return { kind: 'locked', url };
  if (status === 200 && isObject(body) && typeof body.db_path === 'string' && body.db_path !== '' && 'instance_id' in body) {
    return { kind: 'atom-sync', url, dbPath: body.db_path };
  }
  return { kind: 'other', url, detail: `HTTP ${status}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
