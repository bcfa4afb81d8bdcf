/** The environment a test engine starts from: this remote, these files, an ephemeral port, warnings and worse logged. */
export function engineEnv(remote: { apiUrl: string; wsUrl: string }, files: { dbPath: string; logPath: string }): Record<string, string> {
  return {
    ATOM_SAAS_API_URL: remote.apiUrl,
    ATOM_SAAS_WS_URL: remote.wsUrl,
    ATOM_DB_PATH: files.dbPath,
    ATOM_LOG_PATH: files.logPath,
    ATOM_SYNC_PORT: '0',
    ATOM_LOG_LEVEL: 'warn',
  };
}
