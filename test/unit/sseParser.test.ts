import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../electron/model/sseParser.js';

function parse(chunks: string[]): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return { events, parser };
}

describe('server-sent events', () => {
  it('reads named events with JSON data, as the engine sends them', () => {
    const { events, parser } = parse(['retry: 5000\n\nevent: status\ndata: {"a":1}\n\n: heartbeat\n\nevent: sync.finished\ndata: {"result":"success"}\n\n']);
    expect(events).toEqual([
      { event: 'status', data: '{"a":1}' },
      { event: 'sync.finished', data: '{"result":"success"}' },
    ]);
    expect(parser.retryMs).toBe(5000);
  });

  it('puts events together across chunk boundaries, wherever they fall', () => {
    const text = 'event: status\ndata: {"long":"value"}\n\nevent: conflicts.counts\ndata: {"unresolved":3}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)]).events, `cut at ${cut}`).toEqual([
        { event: 'status', data: '{"long":"value"}' },
        { event: 'conflicts.counts', data: '{"unresolved":3}' },
      ]);
    }
    expect(parse([...text]).events).toHaveLength(2);
  });

  it('accepts CRLF and CR line ends, multi-line data, and unnamed events', () => {
    expect(parse(['data: one\r\ndata: two\r\n\r\n', 'event: x\rdata:three\r\r', 'event: y\ndata: 4\n\n']).events).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'x', data: 'three' },
      { event: 'y', data: '4' },
    ]);
    // a CR at a chunk's end may be the first half of CRLF
    expect(parse(['data: a\r', '\n\r', '\n']).events).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('ignores comments, unknown fields and events without data', () => {
    expect(parse([': hello\nid: 7\nfoo: bar\nevent: empty\n\nretry: soon\n\n']).events).toEqual([]);
  });

  it('drops an event that grows without bound, and goes on with the next', () => {
    const big = `event: status\ndata: ${'x'.repeat(9 * 1024 * 1024)}\n\nevent: ok\ndata: 1\n\n`;
    const { events } = parse([big]);
    expect(events).toEqual([{ event: 'ok', data: '1' }]);
  });
});
