import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../../server/daemon/line-reader';
import { tempDir } from '../../fixtures/daemon/builders';

async function collect(path: string, start: number, max?: number) {
  const lines: string[] = [];
  const r = await readLines(path, start, (l) => void lines.push(l.toString()), max);
  return { ...r, texts: lines };
}

describe('readLines', () => {
  it('reads complete lines and returns the offset just after the last newline', async () => {
    const p = join(tempDir(), 'a.jsonl');
    writeFileSync(p, 'one\ntwo\r\nthree\n');
    const r = await collect(p, 0);
    expect(r.texts).toEqual(['one', 'two', 'three']);
    expect(r.offset).toBe(15);
  });

  it('leaves a last line without its newline unread until it is completed', async () => {
    const p = join(tempDir(), 'a.jsonl');
    writeFileSync(p, 'one\n{"partial":');
    const first = await collect(p, 0);
    expect(first.texts).toEqual(['one']);
    expect(first.offset).toBe(4);
    appendFileSync(p, 'true}\n');
    const second = await collect(p, first.offset);
    expect(second.texts).toEqual(['{"partial":true}']);
    expect(second.offset).toBe(21);
  });

  it('reads lines that span many read chunks', async () => {
    const p = join(tempDir(), 'big.jsonl');
    const long = 'x'.repeat(3 * (1 << 20) + 7);
    writeFileSync(p, `a\n${long}\nb\n`);
    const r = await collect(p, 0);
    expect(r.texts.map((l) => l.length)).toEqual([1, long.length, 1]);
  });

  it('skips a line longer than the limit and counts it', async () => {
    const p = join(tempDir(), 'huge.jsonl');
    writeFileSync(p, `a\n${'y'.repeat(5000)}\nb\n`);
    const r = await collect(p, 0, 1000);
    expect(r.texts).toEqual(['a', 'b']);
    expect(r.oversized).toBe(1);
    expect(r.lines).toBe(3);
  });

  it('stops after the line whose callback returns false', async () => {
    const p = join(tempDir(), 'a.jsonl');
    writeFileSync(p, '1\n2\n3\n');
    const seen: string[] = [];
    const r = await readLines(p, 0, (l) => {
      seen.push(l.toString());
      return seen.length < 2;
    });
    expect(seen).toEqual(['1', '2']);
    expect(r).toMatchObject({ offset: 4, stopped: true });
  });
});
