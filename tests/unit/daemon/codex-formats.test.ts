/**
 * Issue 12 (tokens, Codex): branch copies without `session_meta`, `archived_sessions/`, the 0.17x
 * `token_usage_record` lines, and the model a usage line names itself.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CodexTotals,
  codexSessionMeta,
  codexTokenCount,
  codexTokenCountNull,
  codexTokenUsageRecord,
  codexTurnContext,
  codexUserMessage,
  cumulative,
  tempDir,
  writeLines,
} from '../../fixtures/daemon/builders';
import { scanOnce, sums } from './helpers';

const S1 = '019a7c10-0000-7000-8000-00000000a001';
const S2 = '019a7c10-0000-7000-8000-00000000a002';
const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 2, 9, minute, second)).toISOString();

/** What the hub should end up with for these responses, summed from the responses themselves. */
function expected(ts: CodexTotals[]) {
  return {
    input_tokens: ts.reduce((n, t) => n + t.input - t.cached, 0),
    output_tokens: ts.reduce((n, t) => n + t.output, 0),
    cache_read_tokens: ts.reduce((n, t) => n + t.cached, 0),
    cache_write_tokens: 0,
  };
}

const turn = (k: number): CodexTotals => ({
  input: 10_000 + 1_111 * k,
  cached: 6_000 + 777 * k,
  output: 300 + 55 * k,
  reasoning: 100 + 11 * k,
});

function setup() {
  const dir = tempDir();
  const codex = join(dir, 'codex');
  return {
    dir,
    codex,
    day: join(codex, 'sessions/2026/11/02'),
    archived: join(codex, 'archived_sessions'),
    statePath: join(dir, 'state.json'),
  };
}

/** A rollout's lines: optional meta, the model, then one token_count per turn (cumulative) at minutes 1, 2, … */
function rollout(o: { meta?: string; turns: CodexTotals[]; start?: number; model?: string }) {
  const lines = o.meta ? [codexSessionMeta(o.meta, at(0))] : [];
  lines.push(codexTurnContext(at(0, 1), o.model ?? 'gpt-5.2-codex'));
  cumulative(o.turns).forEach((c, i) => {
    lines.push(
      codexUserMessage(at((o.start ?? 0) + i + 1)),
      codexTokenCount(at((o.start ?? 0) + i + 1, 30), c),
    );
  });
  return lines;
}

describe('Codex log shapes of issue 12', () => {
  it('counts once the history a branch copy without session_meta repeats from its parent (same timestamp, model and totals)', async () => {
    const { dir, codex, day, statePath } = setup();
    const parent = [turn(1), turn(2), turn(3)];
    const own = [turn(4), turn(5)];
    const parentLines = rollout({ turns: parent });
    writeLines(join(day, `rollout-2026-11-02T09-00-00-${S1}.jsonl`), parentLines);
    // The copy: the parent's lines as they were, then turns of its own continuing the totals.
    const all = cumulative([...parent, ...own]);
    writeLines(join(day, `rollout-2026-11-02T09-30-00-${S2}.jsonl`), [
      ...parentLines,
      codexTokenCount(at(40), all[3]!),
      codexTokenCount(at(41), all[4]!),
    ]);
    // An unrelated file without session_meta is still its own session.
    const other = [turn(7)];
    writeLines(join(day, 'rollout-2026-11-02T10-00-00-other.jsonl'), rollout({ turns: other, start: 50 }));
    const run = await scanOnce({ codex }, statePath);
    expect(sums(run.events('codex'))).toEqual(expected([...parent, ...own, ...other]));
    expect(run.events('codex')).toHaveLength(6);
    // The copy read in a later run than its parent (the lineage comes back from the state file) …
    const later = setup();
    writeLines(join(later.day, `rollout-2026-11-02T09-00-00-${S1}.jsonl`), parentLines);
    const first = await scanOnce({ codex: later.codex }, later.statePath);
    await first.state.save();
    writeLines(join(later.day, `rollout-2026-11-02T09-30-00-${S2}.jsonl`), [
      ...parentLines,
      codexTokenCount(at(40), all[3]!),
    ]);
    const second = await scanOnce({ codex: later.codex }, later.statePath);
    expect(second.scanner.countersFor('codex')).toMatchObject({ events: 1 });
    expect(sums(second.events('codex'))).toEqual(expected([...parent, own[0]!]));
    // … and a rescan after the state file is lost give the same ids.
    const lost = await scanOnce({ codex: later.codex }, join(dir, 'lost.json'));
    expect(lost.events('codex').map((e) => e.id)).toEqual(second.events('codex').map((e) => e.id));
  });

  it('reads sessions archived before the daemon first ran (archived_sessions/)', async () => {
    const { codex, archived, statePath } = setup();
    const ts = [turn(1), turn(2)];
    writeLines(join(archived, `rollout-2026-11-02T09-00-00-${S1}.jsonl`), rollout({ meta: S1, turns: ts }));
    const run = await scanOnce({ codex }, statePath);
    expect(sums(run.events('codex'))).toEqual(expected(ts));
  });

  it('does not count again a session moved from sessions/ to archived_sessions/ after it was read', async () => {
    const { dir, codex, day, archived, statePath } = setup();
    const ts = [turn(1), turn(2), turn(3)];
    const name = `rollout-2026-11-02T09-00-00-${S1}.jsonl`;
    writeLines(join(day, name), rollout({ meta: S1, turns: ts }));
    const first = await scanOnce({ codex }, statePath);
    await first.state.save();
    mkdirSync(archived, { recursive: true });
    renameSync(join(day, name), join(archived, name));
    const second = await scanOnce({ codex }, statePath);
    expect(second.scanner.countersFor('codex')).toMatchObject({ events: 0, duplicates: 3 });
    expect(second.events('codex').map((e) => e.id)).toEqual(first.events('codex').map((e) => e.id));
    const lost = await scanOnce({ codex }, join(dir, 'lost.json'));
    expect(lost.events('codex').map((e) => e.id)).toEqual(first.events('codex').map((e) => e.id));
  });

  it('counts each response of a 0.17x log once from its token_usage_record, keyed by its response id, whatever the order of record and token_count', async () => {
    const { codex, day, statePath } = setup();
    const responses = [turn(1), turn(2), turn(3), turn(4)];
    const thread = cumulative(responses);
    const record = (i: number, minute: number) =>
      codexTokenUsageRecord(at(minute), {
        threadId: S1,
        turnId: `turn-${i < 2 ? 1 : 2}`,
        responseId: `resp_0${i + 1}`,
        usage: responses[i]!,
        thread: thread[i],
      });
    writeLines(join(day, `rollout-2026-11-02T09-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      codexTurnContext(at(0, 1), 'gpt-5.4'),
      codexTokenCountNull(at(0, 2)),
      // Turn 1: two responses, each recorded, each followed by its token_count.
      record(0, 1),
      codexTokenCount(at(1, 1), thread[0]!, responses[0]),
      record(1, 2),
      codexTokenCount(at(2, 1), thread[1]!, responses[1]),
      codexTokenCount(at(2, 2), thread[1]!, responses[1]), // re-emitted
      // Turn 2: a token_count written before its record, then a record that comes first again.
      codexTokenCount(at(3), thread[2]!, responses[2]),
      record(2, 3),
      record(3, 4),
      codexTokenCount(at(4, 1), thread[3]!, responses[3]),
    ]);
    const run = await scanOnce({ codex }, statePath);
    const events = run.events('codex');
    expect(sums(events)).toEqual(expected(responses));
    expect(events.map((e) => e.id)).toEqual([
      'resp_01',
      'resp_02',
      `${S1}:${thread[2]!.input}:${thread[2]!.cached}:${thread[2]!.output}:${thread[2]!.reasoning}:${thread[2]!.input + thread[2]!.output}`,
      'resp_04',
    ]);
    expect(events.every((e) => e.model === 'gpt-5.4')).toBe(true);
  });

  it('counts a response once when a fork replays its token_usage_record, and a record without a thread total by itself', async () => {
    const { codex, day, statePath } = setup();
    const responses = [turn(1), turn(2), turn(3)];
    const thread = cumulative(responses);
    const record = (i: number, minute: number, withThread = true) =>
      codexTokenUsageRecord(at(minute), {
        threadId: i < 2 ? S1 : S2,
        turnId: `turn-${i}`,
        responseId: `resp_0${i + 1}`,
        usage: responses[i]!,
        ...(withThread ? { thread: thread[i] } : {}),
      });
    writeLines(join(day, `rollout-2026-11-02T09-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      codexTurnContext(at(0, 1), 'gpt-5.4'),
      record(0, 1, false),
      record(1, 2),
    ]);
    writeLines(join(day, `rollout-2026-11-02T10-00-00-${S2}.jsonl`), [
      codexSessionMeta(S2, at(60), S1),
      codexSessionMeta(S1, at(0)),
      record(0, 60, false),
      record(1, 60),
      codexTurnContext(at(61), 'gpt-5.5'),
      record(2, 62),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(events.map((e) => e.id)).toEqual(['resp_01', 'resp_02', 'resp_03']);
    expect(sums(events)).toEqual(expected(responses));
    expect(events.map((e) => e.model)).toEqual(['gpt-5.4', 'gpt-5.4', 'gpt-5.5']);
  });

  it('takes the model from the usage line when it names one, else from the latest turn_context', async () => {
    const { codex, day, statePath } = setup();
    const ts = [turn(1), turn(2), turn(3)];
    const cum = cumulative(ts);
    writeLines(join(day, `rollout-2026-11-02T09-00-00-${S1}.jsonl`), [
      codexSessionMeta(S1, at(0)),
      codexTurnContext(at(0, 1), 'gpt-5.3-codex'),
      codexTokenCount(at(1), cum[0]!, ts[0]),
      codexTokenCount(at(2), cum[1]!, ts[1], 'gpt-5.1-codex-max'),
      codexTokenUsageRecord(at(3), {
        threadId: S1,
        turnId: 'turn-3',
        responseId: 'resp_03',
        usage: ts[2]!,
        thread: cum[2],
        model: 'gpt-5.2-codex',
      }),
    ]);
    const events = (await scanOnce({ codex }, statePath)).events('codex');
    expect(events.map((e) => e.model)).toEqual(['gpt-5.3-codex', 'gpt-5.1-codex-max', 'gpt-5.2-codex']);
    expect(sums(events)).toEqual(expected(ts));
  });
});
