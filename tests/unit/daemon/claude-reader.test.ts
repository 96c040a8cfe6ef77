import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClaudeLine } from '../../../server/daemon/claude-reader';
import { localDate } from '../../../shared/time';
import { claudeAssistant, claudeUser, tempDir, writeLines } from '../../fixtures/daemon/builders';
import { scanOnce, sums } from './helpers';

const S = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const line = (
  id: string,
  ts: string,
  usage: Parameters<typeof claudeAssistant>[0]['usage'],
  requestId = `req_${id}`,
) => claudeAssistant({ messageId: `msg_${id}`, requestId, sessionId: S, ts, usage });

function setup() {
  const dir = tempDir();
  return {
    claude: join(dir, 'claude'),
    file: join(dir, 'claude/projects/p', `${S}.jsonl`),
    state: join(dir, 's'),
  };
}

describe('Claude Code transcripts', () => {
  it('keeps the largest snapshot of a response whatever the order of its lines', async () => {
    const { claude, file, state } = setup();
    writeLines(file, [
      line('1', '2025-10-01T10:00:02.000Z', { input: 4, output: 300, cacheRead: 9000, cacheWrite: 50 }),
      line('1', '2025-10-01T10:00:01.000Z', { input: 4, output: 12, cacheRead: 9000, cacheWrite: 50 }),
      line('1', '2025-10-01T10:00:03.000Z', { input: 4, output: 299, cacheRead: 9000, cacheWrite: 50 }),
    ]);
    const run = await scanOnce({ claude }, state);
    expect(run.events('claude')).toHaveLength(1);
    expect(sums(run.events('claude'))).toEqual({
      input_tokens: 4,
      output_tokens: 300,
      cache_read_tokens: 9000,
      cache_write_tokens: 50,
    });
    expect(run.scanner.countersFor('claude')).toMatchObject({ events: 1, duplicates: 2 });
  });

  it('treats lines of one message id under different request ids as one response, keyed by the first', async () => {
    const { claude, file, state } = setup();
    writeLines(file, [
      line('1', '2025-10-01T10:00:00.000Z', { input: 1, output: 1 }, 'req_a'),
      line('1', '2025-10-01T10:00:01.000Z', { input: 2, output: 2 }, 'req_b'),
    ]);
    const events = (await scanOnce({ claude }, state)).events('claude');
    expect(events.map((e) => [e.id, e.input_tokens, e.output_tokens])).toEqual([['msg_1:req_a', 2, 2]]);
  });

  it('does not read a last line without its newline until it is complete', async () => {
    const { claude, file, state } = setup();
    const full = line('2', '2025-10-01T10:00:00.000Z', { input: 10, output: 20 });
    writeLines(file, [claudeUser(S, '2025-10-01T09:59:59.000Z')]);
    appendFileSync(file, full.slice(0, 80));
    const run = await scanOnce({ claude }, state);
    expect(run.events('claude')).toHaveLength(0);
    expect(run.scanner.countersFor('claude')).toMatchObject({ lines: 1, unparsable: 0 });
    appendFileSync(file, `${full.slice(80)}\n`);
    const again = await scanOnce({ claude }, state, run.state);
    expect(again.events('claude').map((e) => e.output_tokens)).toEqual([20]);
    expect(again.scanner.countersFor('claude').unparsable).toBe(0);
  });

  it('counts and skips unparsable lines and lines without usage, and keeps going', async () => {
    const { claude, file, state } = setup();
    writeLines(file, [
      '\u0000\u0001garbage',
      '{"message":{"usage":{"input_tokens":"many"}},"timestamp":"2025-10-01T10:00:00.000Z"}',
      '{"message":{"usage":',
      claudeUser(S, '2025-10-01T10:00:00.000Z'),
      '',
      line('3', '2025-10-01T10:00:01.000Z', { input: 1, output: 2 }),
    ]);
    const run = await scanOnce({ claude }, state);
    expect(run.events('claude')).toHaveLength(1);
    // The string count reads as 0 and the line has no other count: a zero line, skipped but parsable.
    expect(run.scanner.countersFor('claude')).toMatchObject({
      lines: 6,
      events: 1,
      skipped: 4,
      unparsable: 2,
    });
  });

  it('reads missing cache fields as zero', () => {
    const r = parseClaudeLine(
      Buffer.from(
        JSON.stringify({
          timestamp: '2025-10-01T10:00:00.000Z',
          requestId: 'req_x',
          message: { id: 'msg_x', model: 'claude-opus-4-5', usage: { input_tokens: 7, output_tokens: 8 } },
        }),
      ),
    );
    expect(r).toMatchObject({
      kind: 'usage',
      event: {
        id: 'msg_x:req_x',
        input_tokens: 7,
        output_tokens: 8,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      },
    });
  });

  it('keeps each response’s own instant, so responses around midnight land on the right day in any zone', async () => {
    const { claude, file, state } = setup();
    const stamps = [
      '2025-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T08:59:59.000Z',
      '2026-01-01T15:00:00.000Z',
    ];
    writeLines(
      file,
      stamps.map((ts, i) => line(`m${i}`, ts, { input: 1, output: 10 ** i })),
    );
    const events = (await scanOnce({ claude }, state)).events('claude');
    for (const tz of ['UTC', 'Asia/Tokyo', 'America/Los_Angeles']) {
      const want: Record<string, number> = {};
      stamps.forEach((ts, i) => {
        const d = localDate(ts, tz);
        want[d] = (want[d] ?? 0) + 10 ** i;
      });
      const got: Record<string, number> = {};
      for (const e of events) got[localDate(e.ts, tz)] = (got[localDate(e.ts, tz)] ?? 0) + e.output_tokens;
      expect(got).toEqual(want);
    }
    expect(localDate(stamps[2]!, 'Asia/Tokyo')).toBe('2026-01-01');
    expect(localDate(stamps[3]!, 'Asia/Tokyo')).toBe('2026-01-02');
  });
});
