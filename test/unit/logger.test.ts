import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { formatLine, redact } from '../../engine/log/format.js';
import { createLogger } from '../../engine/log/index.js';
import { tempDir } from '../support/tempDir.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('logging', () => {
  it('writes one greppable line per event with level, scope and key=value fields', () => {
    const line = formatLine(new Date('2026-02-19T10:00:00Z'), 'error', 'sync', 'sync failed', {
      skills_cached: 500,
      error: 'HTTP 500 (upstream down)',
      duration_ms: 12,
    });
    expect(line).toBe('2026-02-19T10:00:00.000Z ERROR [sync] sync failed skills_cached=500 error="HTTP 500 (upstream down)" duration_ms=12');
  });

  it('never writes a configured secret, raw or URL-encoded', () => {
    expect(redact('wss://x/ws?token=s3cr3t%2Btok', ['s3cr3t+tok'])).toBe('wss://x/ws?token=[redacted]');
  });

  it('keeps tokens out of the log file', () => {
    const logPath = tmp.file('logs/atom.log');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = createLogger({ logPath, secrets: ['tok-abcdef-123'], level: 'debug' });
    log.child('websocket').info('connecting', { url: 'wss://saas.test/ws?token=tok-abcdef-123' });
    log.child('rating_sync').error('upload failed', { header: 'Bearer tok-abcdef-123' });
    const stderrText = stderr.mock.calls.map((c) => String(c[0])).join('');
    stderr.mockRestore();
    const text = readFileSync(logPath, 'utf8');
    expect(text).toMatch(/INFO \[websocket\] connecting url=wss:\/\/saas.test\/ws\?token=\[redacted\]/);
    expect(text).toMatch(/ERROR \[rating_sync\] upload failed/);
    expect(text).not.toContain('tok-abcdef-123');
    expect(stderrText).not.toContain('tok-abcdef-123');
  });
});
