import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database, migrate, usageByDay, writeDailyTotals } from '../../server/store';
import type { DailyTotalsEntry, UsageEvent } from '../../shared';
import { claudeRuntimeIn, databaseKinds, intlLocalDate, writeEventsOf } from '../helpers/databases';

const COUNTS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'] as const;

function event(id: string, ts: string, model: string, n: number[]): UsageEvent {
  return {
    id,
    ts,
    provider: 'claude',
    model,
    input_tokens: n[0]!,
    output_tokens: n[1]!,
    cache_read_tokens: n[2]!,
    cache_write_tokens: n[3]!,
  };
}

describe.each(databaseKinds)('usage store on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  let runtimeId: string;

  const pricer = createPricer();
  const writeDaily = (rt: string, entries: DailyTotalsEntry[]) => writeDailyTotals(db, rt, entries, pricer);

  /** Writes one batch the way the group-commit writer does. */
  const write = (events: UsageEvent[], rt = runtimeId) => writeEventsOf(db, rt, events, pricer);

  const newRuntime = () => claudeRuntimeIn(db, workspaceId);

  const view = (tz: string, days: number, now: string, rt: string | null = runtimeId) =>
    usageByDay(db, workspaceId, rt, historyWindow(days, tz, new Date(now)));

  beforeAll(async () => {
    ({ db, close } = await open());
    workspaceId = (await createWorkspace(db, 'w')).id;
    runtimeId = await newRuntime();
  });
  afterAll(() => close());

  it('applies migrations once: a second run has nothing to apply', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('counts re-sent and out-of-order snapshots of one event once, the largest total winning', async () => {
    const rt = await newRuntime();
    const ts = '2026-05-01T10:15:00Z';
    const d1 = await write([event('m1:r1', ts, 'claude-sonnet-4-5', [10, 1, 0, 0])], rt);
    const d2 = await write([event('m1:r1', ts, 'claude-sonnet-4-5', [10, 40, 100, 5])], rt);
    const d3 = await write([event('m1:r1', ts, 'claude-sonnet-4-5', [10, 20, 50, 0])], rt); // smaller: ignored
    const d4 = await write(
      [
        event('m1:r1', ts, 'claude-sonnet-4-5', [10, 40, 100, 5]),
        event('m1:r1', ts, 'claude-sonnet-4-5', [1, 1, 1, 1]),
      ],
      rt,
    );
    expect(d1.map((d) => d.output_tokens)).toEqual([1]);
    expect(d2).toHaveLength(1);
    expect(d2[0]).toMatchObject({
      input_tokens: 0,
      output_tokens: 39,
      cache_read_tokens: 100,
      cache_write_tokens: 5,
      // The winning snapshot's cost replaces the old one: (10·3 + 40·15 + 100·0.3 + 5·3.75 − 10·3 − 1·15) / 1e6.
      cost_usd: 0.00063375,
      unpriced_tokens: 0,
    });
    expect(d3).toEqual([]);
    expect(d4).toEqual([]);
    const rows = await view('UTC', 30, '2026-05-02T00:00:00Z', rt);
    expect(rows).toEqual([
      {
        runtime_id: rt,
        date: '2026-05-01',
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        input_tokens: 10,
        output_tokens: 40,
        cache_read_tokens: 100,
        cache_write_tokens: 5,
        cost_usd: 0.00067875,
        agent_tokens: 0,
        unpriced_tokens: 0,
      },
    ]);
  });

  it('moves the tokens of a replaced event whose hour and model changed', async () => {
    const rt = await newRuntime();
    await write([event('x', '2026-05-01T23:59:00Z', 'claude-haiku-4-5', [5, 5, 5, 5])], rt);
    const deltas = await write([event('x', '2026-05-02T00:01:00Z', 'claude-opus-4-5', [6, 6, 6, 6])], rt);
    expect(deltas.map((d) => [d.hour.toISOString(), d.model, d.input_tokens]).sort()).toEqual([
      ['2026-05-01T23:00:00.000Z', 'claude-haiku-4-5', -5],
      ['2026-05-02T00:00:00.000Z', 'claude-opus-4-5', 6],
    ]);
    const rows = await view('UTC', 5, '2026-05-03T00:00:00Z', rt);
    expect(rows.map((r) => [r.date, r.model, r.input_tokens])).toEqual([
      ['2026-05-02', 'claude-opus-4-5', 6],
    ]);
  });

  it('replaces daily totals per date × provider × model and adds them to that date', async () => {
    const rt = await newRuntime();
    await write([event('e', '2026-06-10T12:00:00Z', 'gpt-5', [1, 2, 3, 4])], rt);
    const entry = { date: '2026-06-10', provider: 'claude', model: 'gpt-5' };
    const first = await writeDaily(rt, [
      { ...entry, input_tokens: 100, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
    ]);
    const second = await writeDaily(rt, [
      { ...entry, input_tokens: 70, output_tokens: 1, cache_read_tokens: 0, cache_write_tokens: 0 },
    ]);
    const same = await writeDaily(rt, [
      { ...entry, input_tokens: 70, output_tokens: 1, cache_read_tokens: 0, cache_write_tokens: 0 },
    ]);
    expect(first.map((d) => d.input_tokens)).toEqual([100]);
    expect(second.map((d) => [d.date, d.input_tokens, d.output_tokens])).toEqual([['2026-06-10', -30, 1]]);
    expect(same).toEqual([]);
    // The date counts in every zone, even where the day's events fall on another local date.
    for (const tz of ['UTC', 'Pacific/Auckland']) {
      const rows = await view(tz, 3, '2026-06-11T12:00:00Z', rt);
      const total = rows.reduce((s, r) => s + r.input_tokens, 0);
      expect(total).toBe(71);
      expect(rows.find((r) => r.date === '2026-06-10')!.input_tokens).toBeGreaterThanOrEqual(70);
    }
  });

  it.each(['UTC', 'Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kolkata'])(
    'sums days in %s across DST changes exactly as computed from the raw events',
    async (tz) => {
      const rt = await newRuntime();
      // Every 37 minutes from 6 to 11 March (Los Angeles springs forward on the 8th) and 3 to 7 April
      // (Auckland falls back on the 5th), with sizes that make every event distinct.
      const events: UsageEvent[] = [];
      for (const [from, to] of [
        ['2026-03-06T00:00:00Z', '2026-03-11T00:00:00Z'],
        ['2026-04-03T00:00:00Z', '2026-04-07T00:00:00Z'],
      ] as const) {
        for (let t = Date.parse(from), i = 0; t < Date.parse(to); t += 37 * 60_000, i++) {
          const model = ['claude-opus-4-5', 'claude-sonnet-4-5', 'gpt-5'][i % 3]!;
          events.push(
            event(`${from}-${i}`, new Date(t).toISOString(), model, [i, 2 * i + 1, 1000 + i, i % 7]),
          );
        }
      }
      await write(events, rt);
      const expected = new Map<string, number[]>();
      const now = '2026-04-08T12:00:00Z';
      const inWindow = new Set(
        Array.from({ length: 40 }, (_, i) => intlLocalDate(Date.parse(now) - i * 86_400_000, tz)),
      );
      for (const e of events) {
        const date = intlLocalDate(e.ts, tz);
        if (!inWindow.has(date)) continue;
        const key = `${date}|${e.model}`;
        const sums = expected.get(key) ?? [0, 0, 0, 0];
        COUNTS.forEach((c, i) => {
          sums[i]! += e[c];
        });
        expected.set(key, sums);
      }
      const rows = await view(tz, 40, now, rt);
      const actual = new Map(rows.map((r) => [`${r.date}|${r.model}`, COUNTS.map((c) => r[c])]));
      expect(actual).toEqual(expected);
      // Newest day first.
      const dates = rows.map((r) => r.date);
      expect(dates).toEqual([...dates].sort().reverse());
    },
  );

  it('keeps each runtime to itself and lists the whole workspace with runtime ids', async () => {
    const a = await newRuntime();
    const b = await newRuntime();
    await write([event('same-id', '2026-07-01T01:00:00Z', 'gpt-5', [1, 0, 0, 0])], a);
    await write([event('same-id', '2026-07-01T01:00:00Z', 'gpt-5', [2, 0, 0, 0])], b);
    const all = await view('UTC', 2, '2026-07-02T00:00:00Z', null);
    expect(
      all.filter((r) => r.runtime_id === a || r.runtime_id === b).map((r) => [r.runtime_id, r.input_tokens]),
    ).toEqual(
      [
        [a, 1],
        [b, 2],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const other = (await createWorkspace(db, 'other')).id;
    expect(await usageByDay(db, other, a, historyWindow(2, 'UTC', new Date('2026-07-02T00:00:00Z')))).toEqual(
      [],
    );
  });
});
