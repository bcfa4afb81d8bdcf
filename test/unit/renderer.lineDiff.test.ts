import { describe, expect, it } from 'vitest';
import { diffLines, diffStats, type DiffLine } from '../../renderer/src/lib/lineDiff.js';

const compact = (lines: DiffLine[]) => lines.map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'added' ? '+' : '-'}${l.text}`);

/** Rebuilds both texts from the diff: every line of each side must appear, in order. */
function sides(lines: DiffLine[]) {
  return {
    old: lines.filter((l) => l.kind !== 'added').map((l) => l.text).join('\n'),
    new: lines.filter((l) => l.kind !== 'removed').map((l) => l.text).join('\n'),
  };
}

describe('diffLines', () => {
  it('marks identical texts as all unchanged, with line numbers on both sides', () => {
    const lines = diffLines('a\nb\nc', 'a\nb\nc');
    expect(compact(lines)).toEqual([' a', ' b', ' c']);
    expect(lines.map((l) => [l.oldLine, l.newLine])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it('shows a changed line as removed then added, keeping the common lines', () => {
    const lines = diffLines('def run():\n    return 1\n', 'def run():\n    return 2\n');
    expect(compact(lines)).toEqual([' def run():', '-    return 1', '+    return 2', ' ']);
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
  });

  it('finds insertions and deletions in the middle (longest common subsequence)', () => {
    const lines = diffLines('a\nb\nc\nd\ne', 'a\nc\nd\nx\ne');
    expect(compact(lines)).toEqual([' a', '-b', ' c', ' d', '+x', ' e']);
    const removed = lines.find((l) => l.kind === 'removed')!;
    const added = lines.find((l) => l.kind === 'added')!;
    expect([removed.oldLine, removed.newLine]).toEqual([2, null]);
    expect([added.oldLine, added.newLine]).toEqual([null, 4]);
  });

  it('handles empty sides', () => {
    expect(diffLines('', '')).toEqual([]);
    expect(compact(diffLines('', 'x\ny'))).toEqual(['+x', '+y']);
    expect(compact(diffLines('x\ny', ''))).toEqual(['-x', '-y']);
  });

  it('treats CRLF and LF line ends alike', () => {
    expect(compact(diffLines('a\r\nb', 'a\nb'))).toEqual([' a', ' b']);
  });

  it('keeps every line of both sides in order, and the unchanged count is the LCS length', () => {
    const a = ['import os', 'x = 1', 'y = 2', 'print(x)', 'print(y)', 'done'];
    const b = ['import sys', 'x = 1', 'print(x)', 'z = 3', 'print(y)', 'done', 'extra'];
    const lines = diffLines(a.join('\n'), b.join('\n'));
    expect(sides(lines)).toEqual({ old: a.join('\n'), new: b.join('\n') });
    // LCS of a and b: x = 1, print(x), print(y), done
    expect(lines.filter((l) => l.kind === 'same').map((l) => l.text)).toEqual(['x = 1', 'print(x)', 'print(y)', 'done']);
  });

  it('falls back to replace-all for a huge changed middle instead of building a giant table', () => {
    const a = Array.from({ length: 2500 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 2500 }, (_, i) => `b${i}`).join('\n');
    const started = Date.now();
    const lines = diffLines(a, b);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(diffStats(lines)).toEqual({ added: 2500, removed: 2500 });
    expect(sides(lines)).toEqual({ old: a, new: b });
  });
});
