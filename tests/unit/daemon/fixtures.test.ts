import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../fixtures/daemon/builders';
import { scanOnce, sums } from './helpers';

const FIXTURES = join(import.meta.dirname, '../../fixtures/daemon');

describe('reading the static fixture trees', () => {
  it('reports Claude usage exactly: largest snapshot per response, copies across files collapsed, zeros dropped', async () => {
    const run = await scanOnce({ claude: join(FIXTURES, 'claude') }, join(tempDir(), 'state.json'));
    const events = run.events('claude');
    expect(events.map((e) => e.id).sort()).toEqual(['msg_01A:req_01A', 'msg_01B:req_01B', 'msg_01C:req_01C']);
    // Hand-computed: A's last snapshot (3, 420, 15000, 1200), B (5, 88, 16200, 300), C (1200, 340, 0, 0).
    expect(sums(events)).toEqual({
      input_tokens: 1208,
      output_tokens: 848,
      cache_read_tokens: 31200,
      cache_write_tokens: 1500,
    });
    const a = events.find((e) => e.id === 'msg_01A:req_01A');
    expect(a).toMatchObject({ model: 'claude-sonnet-4-5-20250929', ts: '2025-10-01T09:00:05.000Z' });
    expect(events.find((e) => e.id === 'msg_01C:req_01C')?.model).toBe('claude-haiku-4-5-20251001');
    const c = run.scanner.countersFor('claude');
    expect(c).toMatchObject({ files: 2, lines: 11, events: 3, duplicates: 3, unparsable: 2 });
    // summary, user, two broken lines, the zero-usage line
    expect(c.skipped).toBe(5);
  });

  it('reports Codex usage exactly: deltas of cumulative totals, cached split out, reasoning not added, fork replay not recounted', async () => {
    const run = await scanOnce({ codex: join(FIXTURES, 'codex') }, join(tempDir(), 'state.json'));
    const events = run.events('codex');
    expect(events).toHaveLength(4);
    expect(sums(events)).toEqual({
      input_tokens: 7500,
      output_tokens: 3050,
      cache_read_tokens: 63500,
      cache_write_tokens: 0,
    });
    expect(sums(events, (e) => e.model === 'gpt-5-codex')).toEqual({
      input_tokens: 4500,
      output_tokens: 2100,
      cache_read_tokens: 16500,
      cache_write_tokens: 0,
    });
    expect(sums(events, (e) => e.model === 'gpt-5')).toEqual({
      input_tokens: 3000,
      output_tokens: 950,
      cache_read_tokens: 47000,
      cache_write_tokens: 0,
    });
    // The fork's own turn keeps its own timestamp; the replayed ones never show up under the fork's time.
    expect(events.map((e) => e.ts).sort()).toEqual([
      '2025-10-01T09:00:30.000Z',
      '2025-10-01T09:02:00.000Z',
      '2025-10-01T09:06:00.000Z',
      '2025-10-01T11:01:00.000Z',
    ]);
    const c = run.scanner.countersFor('codex');
    // re-emitted total + three replayed totals
    expect(c).toMatchObject({ files: 2, events: 4, duplicates: 4, unparsable: 0 });
  });

  it('reports a real Codex 0.171 rollout (captured by scripts/capture-codex-log.ts) once per response, from its token_usage_records', async () => {
    const run = await scanOnce({ codex: join(FIXTURES, 'codex-0171') }, join(tempDir(), 'state.json'));
    // A new session and its resume, appended to the same file: two responses, each a record then a token_count.
    expect(run.events('codex')).toEqual([
      {
        id: 'resp_fake_1',
        ts: '2026-11-30T14:05:03.391Z',
        provider: 'codex',
        model: 'gpt-5.4',
        input_tokens: 1234,
        output_tokens: 41,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      },
      {
        id: 'resp_fake_2',
        ts: '2026-11-30T14:05:08.756Z',
        provider: 'codex',
        model: 'gpt-5.4',
        input_tokens: 2234 - 512,
        output_tokens: 42,
        cache_read_tokens: 512,
        cache_write_tokens: 0,
      },
    ]);
    expect(run.scanner.countersFor('codex')).toMatchObject({
      files: 1,
      events: 2,
      duplicates: 2,
      unparsable: 0,
    });
  });

  it('reports a real Claude Code 2.1.332 session with a subagent (captured by scripts/capture-claude-log.ts) exactly', async () => {
    const run = await scanOnce({ claude: join(FIXTURES, 'claude-2.1.332') }, join(tempDir(), 'state.json'));
    const events = run.events('claude');
    expect(events.map((e) => e.id).sort()).toEqual([
      'msg_fake_01:req_fake_1',
      'msg_fake_02:req_fake_2',
      'msg_fake_03:req_fake_3', // the subagent's, in subagents/agent-*.jsonl
      'msg_fake_04:req_fake_4',
    ]);
    // The session's own tally, its `cost-state` line: modelUsage["claude-opus-5-5"] = 50 in, 90 out,
    // 50000 cache read, 9000 cache creation.
    expect(sums(events)).toEqual({
      input_tokens: 50,
      output_tokens: 90,
      cache_read_tokens: 50_000,
      cache_write_tokens: 9_000,
    });
    expect(new Set(events.map((e) => e.model))).toEqual(new Set(['claude-opus-5-5']));
    expect(run.scanner.countersFor('claude')).toMatchObject({
      files: 2,
      events: 4,
      duplicates: 0,
      unparsable: 0,
    });
  });

  it('reports each session as a task started at its first entry', async () => {
    const dir = tempDir();
    const run = await scanOnce(
      { claude: join(FIXTURES, 'claude'), codex: join(FIXTURES, 'codex') },
      join(dir, 's'),
    );
    const due = run.state.tasks.due(Date.parse('2025-10-01T09:03:00.000Z'));
    const byId = Object.fromEntries(due.map((d) => [`${d.provider}:${d.task.id}`, d.task]));
    expect(byId['claude:5f0c6c1e-3b7a-4a8e-9d61-2f4f3c1b9a10']).toMatchObject({
      status: 'running',
      started_at: '2025-10-01T09:00:00.000Z',
    });
    expect(byId['codex:0199a213-81c0-7800-8aa1-bbab2a035a53']).toMatchObject({
      status: 'running',
      started_at: '2025-10-01T09:00:00.000Z',
    });
  });
});
