import { describe, expect, it } from 'vitest';
import type { GroupedUsageRow, UsageDelta, UsagePush } from '../../../shared/schemas';
import { groupKeyOf, mergeGrouped, summarizeGroups } from '../../../web/src/lib/attribution';
import { deltaDate } from '../../../web/src/lib/merge';

const RT = '11111111-1111-4111-8111-111111111111';
const RT2 = '22222222-2222-4222-8222-222222222222';

const row = (
  date: string,
  key: string,
  input: number,
  cost: number | null,
  unpriced = 0,
): GroupedUsageRow => ({
  date,
  key,
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: cost,
  ...(unpriced ? { unpriced_tokens: unpriced } : {}),
});

type Attr = { project?: string; user?: string; session_id?: string; at?: string };
const delta = (hour: string, input: number, cost: number | null, attr: Attr = {}): UsageDelta => ({
  hour,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: input,
  output_tokens: 2,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: cost,
  ...(cost === null ? { unpriced_tokens: input + 2 } : {}),
  ...attr,
});
const push = (...deltas: UsageDelta[]): UsagePush => ({ runtime_id: RT, deltas });

const H = '2026-11-24T10:00:00.000Z';
const byKey = (rows: GroupedUsageRow[]) =>
  Object.fromEntries(summarizeGroups(rows).entries.map((e) => [e.key, [e.tokens, e.cost]]));

describe('groupKeyOf', () => {
  it('keeps a listed key, folds an unlisted one into other when the hub folded, else starts a group', () => {
    const top = new Set(['api', 'web', 'other']);
    expect(groupKeyOf('api', top)).toBe('api');
    expect(groupKeyOf('docs', top)).toBe('other');
    expect(groupKeyOf('docs', new Set(['api', 'web']))).toBe('docs');
  });

  it('puts usage without a value under (none), which folds into other like any key the hub did not list', () => {
    expect(groupKeyOf(undefined, new Set(['api', '(none)', 'other']))).toBe('(none)');
    expect(groupKeyOf(undefined, new Set(['api', 'other']))).toBe('other');
    expect(groupKeyOf(undefined, new Set())).toBe('(none)');
  });
});

describe('mergeGrouped', () => {
  const rest = [row('2026-11-24', 'api', 100, 0.5), row('2026-11-23', 'web', 40, 0.1)];

  it('adds each delta to the key it carries, per dimension, and leaves the input untouched', () => {
    const p = push(
      delta(H, 10, 0.01, { project: 'api', user: 'ana', session_id: 's1' }),
      delta(H, 20, 0.02, { project: 'web', user: 'ana' }),
    );
    const projects = mergeGrouped(rest, [p], 'project', { tz: 'UTC' });
    expect(byKey(projects)).toEqual({ api: [112, 0.51], web: [62, 0.12] });
    expect(rest[0]?.input_tokens).toBe(100);
    expect(byKey(mergeGrouped([], [p], 'user', { tz: 'UTC' }))).toEqual({ ana: [34, 0.03] });
    expect(byKey(mergeGrouped([], [p], 'session', { tz: 'UTC' }))).toEqual({
      s1: [12, 0.01],
      '(none)': [22, 0.02],
    });
  });

  it('adds a key the hub did not list to other when its answer had other, as a new group when it had not', () => {
    const p = push(delta(H, 10, 0.01, { project: 'docs' }));
    const folded = mergeGrouped([...rest, row('2026-11-24', 'other', 5, 0.05)], [p], 'project', {
      tz: 'UTC',
    });
    expect(byKey(folded)).toEqual({ api: [100, 0.5], web: [40, 0.1], other: [17, 0.06] });
    expect(byKey(mergeGrouped(rest, [p], 'project', { tz: 'UTC' }))).toMatchObject({ docs: [12, 0.01] });
  });

  it("adds a delta to its model's and its runtime's key (the overview's groupings), folding as the hub did", () => {
    const p = push(delta(H, 10, 0.01, { project: 'api' }));
    const other: UsagePush = { runtime_id: RT2, deltas: [delta(H, 20, 0.02)] };
    const models = mergeGrouped([row('2026-11-24', 'claude-sonnet-4-5', 100, 0.5)], [p, other], 'model', {
      tz: 'UTC',
    });
    expect(byKey(models)).toEqual({ 'claude-sonnet-4-5': [134, 0.53] });
    const runtimes = [row('2026-11-24', RT, 100, 0.5), row('2026-11-24', 'other', 7, 0.07)];
    // RT2 was not among the hub's top runtimes (it answered with other): its usage goes there.
    expect(byKey(mergeGrouped(runtimes, [p, other], 'runtime', { tz: 'UTC' }))).toEqual({
      [RT]: [112, 0.51],
      other: [29, 0.09],
    });
    expect(byKey(mergeGrouped([row('2026-11-24', RT, 100, 0.5)], [other], 'runtime', { tz: 'UTC' }))).toEqual(
      {
        [RT]: [100, 0.5],
        [RT2]: [22, 0.02],
      },
    );
  });

  it('counts a daily-totals delta as (none) when nothing is filtered, and not at all when something is', () => {
    const daily: UsageDelta = {
      date: '2026-11-24',
      provider: 'claude',
      model: 'm',
      input_tokens: 7,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: 0.7,
    };
    expect(byKey(mergeGrouped([], [push(daily)], 'user', { tz: 'UTC' }))).toEqual({ '(none)': [7, 0.7] });
    expect(mergeGrouped(rest, [push(daily)], 'user', { tz: 'UTC', filter: { project: 'api' } })).toBe(rest);
    // Filtered to usage without a project, it is exactly what the filter asks for.
    const none = mergeGrouped([], [push(daily)], 'user', { tz: 'UTC', filter: { project: '(none)' } });
    expect(byKey(none)).toEqual({ '(none)': [7, 0.7] });
  });

  it('ignores deltas outside the filter, of other runtimes, or before the range', () => {
    const p: UsagePush[] = [
      push(delta(H, 10, 0.01, { project: 'api', user: 'bob' })),
      { runtime_id: RT2, deltas: [delta(H, 10, 0.01, { project: 'api', user: 'ana' })] },
      push(delta('2026-11-01T10:00:00.000Z', 10, 0.01, { project: 'api', user: 'ana' })),
    ];
    const opts = { tz: 'UTC', since: '2026-11-20', runtimeId: RT, filter: { user: 'ana' } };
    expect(mergeGrouped(rest, p, 'project', opts)).toBe(rest);
    const kept = mergeGrouped(
      rest,
      [push(delta(H, 1, 0.001, { project: 'api', user: 'ana' }))],
      'project',
      opts,
    );
    expect(byKey(kept)).toEqual({ api: [103, 0.501], web: [40, 0.1] });
  });

  it('gives up the cost of a group-day once it holds tokens of unknown price, as the hub answers', () => {
    const p = push(delta(H, 10, null, { project: 'api' }));
    const merged = mergeGrouped(rest, [p], 'project', { tz: 'UTC' });
    const api = merged.find((r) => r.key === 'api' && r.date === '2026-11-24');
    expect(api).toMatchObject({ input_tokens: 110, cost_usd: null, unpriced_tokens: 12 });
    const e = summarizeGroups(merged).entries.find((x) => x.key === 'api');
    expect(e).toMatchObject({ cost: 0, partial: true, tokens: 112 });
  });

  it('puts a delta on the local day of its quarter-hour in a half-hour zone', () => {
    // 18:30 UTC is midnight in Kolkata (UTC+5:30): the hour 18:00 holds the end of one day and the start of the next.
    const early = delta('2026-11-24T18:00:00.000Z', 1, 0, { project: 'api', at: '2026-11-24T18:15:00.000Z' });
    const late = delta('2026-11-24T18:00:00.000Z', 1, 0, { project: 'api', at: '2026-11-24T18:30:00.000Z' });
    expect(deltaDate(early, 'Asia/Kolkata')).toBe('2026-11-24');
    expect(deltaDate(late, 'Asia/Kolkata')).toBe('2026-11-25');
    const merged = mergeGrouped([], [push(early, late)], 'project', { tz: 'Asia/Kolkata' });
    expect(merged.map((r) => [r.date, r.input_tokens]).sort()).toEqual([
      ['2026-11-24', 1],
      ['2026-11-25', 1],
    ]);
  });

  it('uses the hour when a delta has no quarter-hour', () => {
    expect(deltaDate(delta('2026-11-24T18:00:00.000Z', 1, 0), 'Asia/Kolkata')).toBe('2026-11-24');
  });
});

describe('summarizeGroups', () => {
  it('sums each key over its days, most cost first, other last, with shares of the total cost', () => {
    const s = summarizeGroups([
      row('2026-11-24', 'other', 1000, 3),
      row('2026-11-24', 'api', 10, 1),
      row('2026-11-23', 'api', 10, 1),
      row('2026-11-24', '(none)', 500, 4),
      row('2026-11-24', 'web', 30, 1),
    ]);
    expect(s.entries.map((e) => [e.key, e.tokens, e.cost, e.share])).toEqual([
      ['(none)', 500, 4, 0.4],
      ['api', 20, 2, 0.2],
      ['web', 30, 1, 0.1],
      ['other', 1000, 3, 0.3],
    ]);
    expect([s.cost, s.tokens, s.shareOf]).toEqual([10, 1550, 'cost']);
  });

  it('breaks cost ties by tokens, then by name', () => {
    const s = summarizeGroups([row('d', 'b', 5, 1), row('d', 'a', 5, 1), row('d', 'c', 9, 1)]);
    expect(s.entries.map((e) => e.key)).toEqual(['c', 'a', 'b']);
  });

  it('rounds sums of nano-dollar costs and shares by tokens when nothing has a known price', () => {
    const s = summarizeGroups([row('a', 'x', 1, 0.1), row('b', 'x', 1, 0.2)]);
    expect(s.entries[0]?.cost).toBe(0.3);
    const u = summarizeGroups([row('d', 'x', 30, null, 30), row('d', 'y', 10, null, 10)]);
    expect(u.shareOf).toBe('tokens');
    expect(u.entries.map((e) => [e.key, e.share, e.partial])).toEqual([
      ['x', 0.75, true],
      ['y', 0.25, true],
    ]);
  });

  it('is empty for no rows', () => {
    expect(summarizeGroups([])).toEqual({ entries: [], cost: 0, tokens: 0, shareOf: 'tokens' });
  });
});
