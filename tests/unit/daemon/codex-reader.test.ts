import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localDate } from '../../../shared/time';
import {
  type CodexTotals,
  codexSessionMeta,
  codexTokenCount,
  codexTokenCountNull,
  codexTurnContext,
  cumulative,
  tempDir,
  writeLines,
} from '../../fixtures/daemon/builders';
import { scanOnce, sums } from './helpers';

/** A small deterministic PRNG, so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (lo: number, hi: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  };
}

function turns(n: number, seed: number): CodexTotals[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const input = r(1000, 90_000);
    const output = r(10, 6000);
    return { input, cached: r(0, input), output, reasoning: r(0, output) };
  });
}

/** What the hub should end up with for these turns, computed from the turns themselves. */
function expected(ts: CodexTotals[]) {
  return {
    input_tokens: ts.reduce((n, t) => n + t.input - t.cached, 0),
    output_tokens: ts.reduce((n, t) => n + t.output, 0),
    cache_read_tokens: ts.reduce((n, t) => n + t.cached, 0),
    cache_write_tokens: 0,
  };
}

const at = (minute: number) => new Date(Date.UTC(2025, 9, 1, 8, minute)).toISOString();
const S1 = '0199b000-0000-7000-8000-000000000001';
const S2 = '0199b000-0000-7000-8000-000000000002';
const S3 = '0199b000-0000-7000-8000-000000000003';

function setup() {
  const dir = tempDir();
  const codex = join(dir, 'codex');
  const day = join(codex, 'sessions/2025/10/01');
  return { dir, codex, day, statePath: join(dir, 'state.json') };
}

describe('Codex rollouts', () => {
  it('turns cumulative totals into exact per-turn usage, ignoring re-emitted totals and null info', async () => {
    const { codex, day, statePath } = setup();
    const ts = turns(12, 1);
    const cum = cumulative(ts);
    const lines = [codexSessionMeta(S1, at(0)), codexTurnContext(at(0), 'gpt-5-codex')];
    cum.forEach((c, i) => {
      lines.push(codexTokenCountNull(at(i + 1)), codexTokenCount(at(i + 1), c, ts[i]));
      if (i % 3 === 0) lines.push(codexTokenCount(at(i + 1), c, ts[i])); // re-emitted unchanged
    });
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), lines);
    const run = await scanOnce({ codex }, statePath);
    const events = run.events('codex');
    expect(events).toHaveLength(12);
    expect(sums(events)).toEqual(expected(ts));
    // reasoning is inside output: never added
    expect(events[0]?.output_tokens).toBe(ts[0]?.output);
    expect(run.scanner.countersFor('codex').duplicates).toBe(4);
  });

  it('takes the model of the latest turn_context, and unknown before any', async () => {
    const { codex, day, statePath } = setup();
    const ts = turns(4, 2);
    const cum = cumulative(ts);
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      codexTokenCount(at(1), cum[0]!),
      codexTurnContext(at(2), 'gpt-5'),
      codexTokenCount(at(3), cum[1]!),
      codexTurnContext(at(4), 'gpt-5-mini'),
      codexTokenCount(at(5), cum[2]!),
      codexTokenCount(at(6), cum[3]!),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(events.map((e) => e.model)).toEqual(['unknown', 'gpt-5', 'gpt-5-mini', 'gpt-5-mini']);
    expect(sums(events, (e) => e.model === 'gpt-5-mini')).toEqual(expected(ts.slice(2)));
  });

  it('does not count twice a resumed session whose new file replays the earlier history', async () => {
    const { codex, day, statePath } = setup();
    const ts = turns(8, 3);
    const cum = cumulative(ts);
    const tc = (i: number, m: number) => codexTokenCount(at(m), cum[i]!, ts[i]);
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      codexTurnContext(at(0), 'gpt-5'),
      ...[0, 1, 2, 3, 4].map((i) => tc(i, i + 1)),
    ]);
    writeLines(join(day, `rollout-2025-10-01T09-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(60)),
      codexTurnContext(at(60), 'gpt-5'),
      ...[0, 1, 2, 3, 4].map((i) => tc(i, 60)),
      ...[5, 6, 7].map((i) => tc(i, 61 + i)),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(events).toHaveLength(8);
    expect(sums(events)).toEqual(expected(ts));
  });

  it('counts only the new turns of a file that continues a session without replaying it', async () => {
    const { codex, day, statePath } = setup();
    const ts = turns(6, 4);
    const cum = cumulative(ts);
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      ...[0, 1, 2].map((i) => codexTokenCount(at(i + 1), cum[i]!)),
    ]);
    writeLines(join(day, `rollout-2025-10-01T09-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(60)),
      ...[3, 4, 5].map((i) => codexTokenCount(at(60 + i), cum[i]!)),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(sums(events)).toEqual(expected(ts));
  });

  it('counts a fork’s own turns and its sibling’s, and the replayed parent history once', async () => {
    const { codex, day, statePath } = setup();
    const parent = turns(5, 5);
    const a = turns(3, 6);
    const b = turns(2, 7);
    const pc = cumulative(parent);
    const ac = cumulative([...parent, ...a]);
    const bc = cumulative([...parent, ...b]);
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      codexTurnContext(at(0), 'gpt-5'),
      ...pc.map((c, i) => codexTokenCount(at(i + 1), c)),
    ]);
    const fork = (id: string, cum: CodexTotals[], start: number) => [
      codexSessionMeta(id, at(start), S1),
      codexSessionMeta(S1, at(0)),
      ...cum.slice(0, 5).map((c) => codexTokenCount(at(start), c)), // replay, timestamps rewritten
      codexTurnContext(at(start + 1), 'gpt-5-codex'),
      ...cum.slice(5).map((c, i) => codexTokenCount(at(start + 2 + i), c)),
    ];
    writeLines(join(day, `rollout-2025-10-01T09-00-00-${S2}.jsonl`), fork(S2, ac, 60));
    writeLines(join(day, `rollout-2025-10-01T10-00-00-${S3}.jsonl`), fork(S3, bc, 120));
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(events).toHaveLength(10);
    expect(sums(events)).toEqual(expected([...parent, ...a, ...b]));
    expect(sums(events, (e) => e.model === 'gpt-5-codex')).toEqual(expected([...a, ...b]));
  });

  it('produces the same event ids and amounts after the state file is lost', async () => {
    const { dir, codex, day, statePath } = setup();
    const ts = turns(6, 8);
    const cum = cumulative(ts);
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      ...cum.slice(0, 4).map((c, i) => codexTokenCount(at(i + 1), c)),
    ]);
    const first = await scanOnce({ codex }, statePath);
    await first.state.save();
    writeLines(join(day, `rollout-2025-10-01T09-00-00-${S2}.jsonl`), [
      codexSessionMeta(S2, at(60), S1),
      ...cum.map((c, i) => codexTokenCount(at(60 + i), c)),
    ]);
    const second = await scanOnce({ codex }, statePath);
    const incremental = second.events('codex'); // the outbox holds both runs' events (none acked)
    rmSync(statePath);
    const lost = await scanOnce({ codex }, join(dir, 'fresh-state.json'));
    const key = (e: { id: string; input_tokens: number; output_tokens: number; cache_read_tokens: number }) =>
      `${e.id}=${e.input_tokens}/${e.output_tokens}/${e.cache_read_tokens}`;
    expect(lost.events('codex').map(key).sort()).toEqual(incremental.map(key).sort());
    expect(sums(lost.events('codex'))).toEqual(expected(ts));
  });

  it('counts from zero again when a session’s totals go down (a counter reset)', async () => {
    const { codex, day, statePath } = setup();
    const before = turns(3, 9);
    const after = turns(2, 10);
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      ...cumulative(before).map((c, i) => codexTokenCount(at(i + 1), c)),
      ...cumulative(after).map((c, i) => codexTokenCount(at(i + 10), c)),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(sums(events)).toEqual(expected([...before, ...after]));
  });

  it('dates each turn by its own timestamp, so turns around midnight land on the right day in any zone', async () => {
    const { codex, day, statePath } = setup();
    const ts = turns(6, 11);
    const cum = cumulative(ts);
    // Around midnight UTC and around midnight in New York (04:00Z in October).
    const stamps = [
      '2025-10-01T23:59:59.900Z',
      '2025-10-02T00:00:00.100Z',
      '2025-10-02T03:59:59.999-00:00',
      '2025-10-02T00:00:00.001-04:00',
      '2025-10-02T04:00:00.500Z',
      '2025-10-02T09:30:00.000+05:30',
    ];
    writeLines(join(day, `rollout-2025-10-01T08-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, '2025-10-01T23:50:00.000Z'),
      ...cum.map((c, i) => codexTokenCount(stamps[i]!, c)),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
      const byDay = (list: { day: string; out: number }[]) => {
        const m: Record<string, number> = {};
        for (const x of list) m[x.day] = (m[x.day] ?? 0) + x.out;
        return m;
      };
      const want = byDay(ts.map((t, i) => ({ day: localDate(stamps[i]!, tz), out: t.output })));
      const got = byDay(events.map((e) => ({ day: localDate(e.ts, tz), out: e.output_tokens })));
      expect(got).toEqual(want);
    }
    // Spot checks of the zone maths the expectation relies on.
    expect(localDate(stamps[0]!, 'UTC')).toBe('2025-10-01');
    expect(localDate(stamps[1]!, 'UTC')).toBe('2025-10-02');
    expect(localDate(stamps[2]!, 'America/New_York')).toBe('2025-10-01');
    expect(localDate(stamps[3]!, 'America/New_York')).toBe('2025-10-02');
  });
});
