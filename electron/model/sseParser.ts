/**
 * Server-sent events, read from a byte stream in whatever chunks it arrives (the WHATWG
 * event-stream format: `event:`, `data:` lines, a blank line ends an event, `:` starts a comment).
 */
export interface SseEvent {
  event: string;
  data: string;
}

/** An event whose data grows past this is dropped rather than kept without bound. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export class SseParser {
  private buffer = '';
  private eventName = '';
  private data: string[] = [];
  private dataChars = 0;
  private oversized = false;
  /** The server's `retry:` advice in ms, when it gave one. */
  retryMs: number | null = null;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    for (let i = 0; i < 1_000_000; i++) {
      const end = this.lineEnd();
      if (end === null) break;
      const line = this.buffer.slice(0, end.at);
      this.buffer = this.buffer.slice(end.at + end.length);
      this.line(line);
    }
    // A line with no end in sight is someone else's protocol: do not hold it forever.
    if (this.buffer.length > MAX_EVENT_CHARS) {
      this.buffer = '';
      this.reset();
    }
  }

  /** The next line break (\r\n, \n or \r); a \r at the very end may still be followed by \n. */
  private lineEnd(): { at: number; length: number } | null {
    const n = this.buffer.indexOf('\n');
    const r = this.buffer.indexOf('\r');
    if (r !== -1 && (n === -1 || r < n)) {
      if (r === this.buffer.length - 1) return null;
      return { at: r, length: this.buffer[r + 1] === '\n' ? 2 : 1 };
    }
    return n === -1 ? null : { at: n, length: 1 };
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') {
      this.dataChars += value.length + 1;
      if (this.dataChars > MAX_EVENT_CHARS) this.oversized = true;
      else this.data.push(value);
    } else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }

  private dispatch(): void {
    if (this.data.length > 0 && !this.oversized) this.onEvent({ event: this.eventName || 'message', data: this.data.join('\n') });
    this.reset();
  }

  private reset(): void {
    this.eventName = '';
    this.data = [];
    this.dataChars = 0;
    this.oversized = false;
  }
}
