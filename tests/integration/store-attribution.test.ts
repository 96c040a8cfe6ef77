import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  createWorkspace,
  type Database,
  GROUPS_TOP_KEYS,
  groupKeysKept,
  HISTORY_MAX_ROWS,
  registerRuntimes,
  repriceUsage,
  type UsageFilter,
  usageByDay,
  usageByGroup,
  writeDailyTotals,
} from '../../server/store';
import { type DailyTotalsEntry, type GroupBy, TOKEN_KINDS, type UsageEvent, windowDates } from '../../shared';
import { databaseKinds, intlLocalDate, writeEventsOf } from '../helpers/databases';

const NOW = '2026-05-04T12:00:00Z';
const DAYS = 5;
const MODELS = ['claude-opus-4-5', 'claude-sonnet-4-5', 'gpt-5', 'claude-haiku-4-5'];

interface Expected {
  counts: number[];
  cost: number;
  unpriced: boolean;
}

/** The attribution and model of the i-th generated event: some carry none, one model has no known price. */
function eventAt(i: number, t: number): UsageEvent {
  return {
    id: `ev-${i}`,
    ts: new Date(t).toISOString(),
    provider: 'claude',
    model: i % 29 === 0 ? 'mystery-model' : MODELS[i % MODELS.length]!,
    input_tokens: 100 + i,
    output_tokens: 10 + (i % 13),
    cache_read_tokens: 1000 * (i % 5),
    cache_write_tokens: i % 3,
    ...(i % 4 === 0 ? {} : { project: `repo-${i % 5}` }),
    ...(i % 3 === 0 ? {} : { user: `user-${i % 4}` }),
    ...(i % 7 === 0 ? {} : { session_id: `session-${Math.floor(i / 25)}` }),
  };
}

describe.each(databaseKinds)('usage attribution on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  let runtimes: string[];
  const pricer = createPricer();
  const events = new Map<string, (UsageEvent & { runtime_id: string })[]>();
  const daily: { runtime_id: string; entry: DailyTotalsEntry }[] = [];

  const write = (rt: string, batch: UsageEvent[]) => writeEventsOf(db, rt, batch, pricer);

  const newRuntimes = async (ws: string, n: number) =>
    (
      await registerRuntimes(
        db,
        ws,
        {
          daemon_id: crypto.randomUUID(),
          device_info: 'box',
          runtimes: Array.from({ length: n }, (_, i) => ({
            provider: `p${i}`,
            name: 'r',
            runtime_mode: 'local' as const,
          })),
        },
        'test',
      )
    ).map((r) => r.id);

  /** The grouping of every stored event and daily total of the workspace, computed in JS from what was sent. */
  function expected(tz: string, groupBy: GroupBy | null, filter: UsageFilter = {}): Map<string, Expected> {
    const dates = new Set(windowDates(DAYS, tz, new Date(NOW)));
    const rows = new Map<string, Expected>();
    const matches = (value: string | undefined, wanted: string | undefined) =>
      wanted === undefined || (value ?? '(none)') === wanted;
    const add = (key: string, counts: number[], cost: number | null) => {
      const row = rows.get(key) ?? { counts: [0, 0, 0, 0], cost: 0, unpriced: false };
      counts.forEach((n, i) => {
        row.counts[i]! += n;
      });
      row.cost += cost ?? 0;
      row.unpriced ||= cost === null;
      rows.set(key, row);
    };
    const keyOf = (
      rt: string,
      model: string,
      a: { project?: string; user?: string; session_id?: string },
    ): string => {
      switch (groupBy) {
        case null:
          return `${rt}|${model}`;
        case 'project':
          return a.project ?? '(none)';
        case 'user':
          return a.user ?? '(none)';
        case 'session':
          return a.session_id ?? '(none)';
        case 'model':
          return model;
        case 'runtime':
          return rt;
      }
    };
    for (const list of events.values())
      for (const e of list) {
        const date = intlLocalDate(e.ts, tz);
        if (!dates.has(date)) continue;
        if (!matches(e.project, filter.project) || !matches(e.user, filter.user)) continue;
        if (!matches(e.session_id, filter.session)) continue;
        add(
          `${date}|${keyOf(e.runtime_id, e.model, e)}`,
          TOKEN_KINDS.map((k) => e[k]),
          pricer.event(e).cost_usd,
        );
      }
    for (const { runtime_id, entry } of daily) {
      if (!dates.has(entry.date)) continue;
      if (!matches(undefined, filter.project) || !matches(undefined, filter.user)) continue;
      if (!matches(undefined, filter.session)) continue;
      add(
        `${entry.date}|${keyOf(runtime_id, entry.model, {})}`,
        TOKEN_KINDS.map((k) => entry[k]),
        pricer.daily(entry).cost_usd,
      );
    }
    return rows;
  }

  const actual = (
    rows: {
      date: string;
      key?: string;
      runtime_id?: string;
      model?: string;
      cost_usd: number | null;
      input_tokens: number;
      output_tokens: number;
      cache_read_tokens: number;
      cache_write_tokens: number;
    }[],
  ) =>
    new Map(
      rows.map((r) => [
        `${r.date}|${r.key ?? `${r.runtime_id}|${r.model}`}`,
        { counts: TOKEN_KINDS.map((k) => r[k]), cost_usd: r.cost_usd },
      ]),
    );

  function expectSame(got: ReturnType<typeof actual>, want: Map<string, Expected>) {
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, w] of want) {
      const g = got.get(key)!;
      expect(g.counts, key).toEqual(w.counts);
      if (w.unpriced) expect(g.cost_usd, key).toBeNull();
      else expect(g.cost_usd, key).toBeCloseTo(w.cost, 8);
    }
  }

  beforeAll(async () => {
    ({ db, close } = await open());
    workspaceId = (await createWorkspace(db, 'attribution')).id;
    runtimes = await newRuntimes(workspaceId, 2);
    // Every 23 minutes over six days, so events fall on both sides of UTC and Kolkata (+5:30) midnights.
    const from = Date.parse('2026-04-28T20:00:00Z');
    for (let i = 0, t = from; t < Date.parse(NOW); i++, t += 23 * 60_000) {
      const rt = runtimes[i % 2]!;
      const list = events.get(rt) ?? [];
      list.push({ ...eventAt(i, t), runtime_id: rt });
      events.set(rt, list);
    }
    for (const [rt, list] of events) {
      for (let i = 0; i < list.length; i += 100) await write(rt, list.slice(i, i + 100));
    }
    const entry = (date: string, model: string, n: number): DailyTotalsEntry => ({
      date,
      provider: 'claude',
      model,
      input_tokens: n,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
    });
    const entries = [entry('2026-05-02', 'claude-opus-4-5', 5000), entry('2026-05-03', 'gpt-5', 7000)];
    await writeDailyTotals(db, runtimes[0]!, entries, pricer);
    daily.push(...entries.map((e) => ({ runtime_id: runtimes[0]!, entry: e })));
  });
  afterAll(() => close());

  const window = (tz: string) => historyWindow(DAYS, tz, new Date(NOW));

  for (const tz of ['UTC', 'Asia/Kolkata']) {
    it.each(['project', 'user', 'session', 'model', 'runtime'] as const)(
      `groups by %s in ${tz} exactly as the raw events and daily totals sum`,
      async (groupBy) => {
        const rows = await usageByGroup(db, workspaceId, null, window(tz), groupBy);
        expect(rows.length).toBeGreaterThanOrEqual(2 * DAYS);
        expect(rows.some((r) => r.cost_usd === null)).toBe(true);
        expectSame(actual(rows), expected(tz, groupBy));
        // Newest day first, then key in byte order.
        const order = rows.map((r) => `${r.date}|${r.key}`);
        expect(order).toEqual(
          [...order].sort((a, b) => {
            const [da, ka] = a.split('|');
            const [dbb, kb] = b.split('|');
            return da === dbb ? (ka! < kb! ? -1 : 1) : da! < dbb! ? 1 : -1;
          }),
        );
      },
    );

    it(`narrows the default and grouped views in ${tz} by project, user and session`, async () => {
      const filters: UsageFilter[] = [
        { project: 'repo-1' },
        { user: 'user-2' },
        { session: 'session-3' },
        { project: 'repo-2', user: 'user-1' },
        { project: '(none)' },
        { project: '(none)', user: '(none)', session: '(none)' },
        { project: 'no-such-repo' },
      ];
      for (const filter of filters) {
        const byDay = await usageByDay(db, workspaceId, null, window(tz), filter);
        expectSame(actual(byDay), expected(tz, null, filter));
        const byUser = await usageByGroup(db, workspaceId, null, window(tz), 'user', filter);
        expectSame(actual(byUser), expected(tz, 'user', filter));
      }
    });
  }

  it('keeps daily totals (no attribution) out of a filtered view and under (none) in a grouped one', async () => {
    const filtered = await usageByDay(db, workspaceId, runtimes[0]!, window('UTC'), { project: 'repo-1' });
    expect(filtered.every((r) => r.input_tokens < 5000)).toBe(true);
    const grouped = await usageByGroup(db, workspaceId, runtimes[0]!, window('UTC'), 'project');
    const none = grouped.find((r) => r.date === '2026-05-03' && r.key === '(none)')!;
    expect(none.input_tokens).toBeGreaterThanOrEqual(7000);
  });

  it('folds keys past the top ones by cost (unknown cost as 0) then tokens into "other", keeping the sums', async () => {
    const ws = (await createWorkspace(db, 'many projects')).id;
    const [rt] = await newRuntimes(ws, 1);
    const n = GROUPS_TOP_KEYS + 5;
    const batch: UsageEvent[] = [];
    for (let p = 0; p < n; p++) {
      // Project k costs more the larger k; the unpriced project has the most tokens but ranks as costing 0.
      batch.push({
        id: `p${p}`,
        ts: '2026-05-03T10:00:00Z',
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        input_tokens: 1000 * (p + 1),
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        project: `proj-${String(p).padStart(2, '0')}`,
      });
      batch.push({ ...batch[batch.length - 1]!, id: `p${p}-b`, ts: '2026-05-04T01:00:00Z' });
    }
    batch.push({
      id: 'unpriced',
      ts: '2026-05-03T10:00:00Z',
      provider: 'claude',
      model: 'mystery-model',
      input_tokens: 10_000_000,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      project: 'zz-unpriced',
    });
    await write(rt!, batch);
    const rows = await usageByGroup(db, ws, null, window('UTC'), 'project');
    const keys = new Set(rows.map((r) => r.key));
    const kept = Array.from(
      { length: GROUPS_TOP_KEYS },
      (_, i) => `proj-${String(n - 1 - i).padStart(2, '0')}`,
    );
    expect([...keys].sort()).toEqual([...kept, 'other'].sort());
    // The fold of 3 May holds 5 cheap projects and the unpriced one: its cost is unknown; 4 May's is known.
    const other3 = rows.find((r) => r.date === '2026-05-03' && r.key === 'other')!;
    const other4 = rows.find((r) => r.date === '2026-05-04' && r.key === 'other')!;
    expect(other3).toMatchObject({ input_tokens: 1000 * (1 + 2 + 3 + 4 + 5) + 10_000_000, cost_usd: null });
    expect(other4).toMatchObject({ input_tokens: 1000 * 15, unpriced_tokens: 0 });
    expect(other4.cost_usd).toBeCloseTo((15_000 * 3) / 1e6, 12);
    const total = rows.reduce((s, r) => s + r.input_tokens, 0);
    expect(total).toBe(2 * 1000 * ((n * (n + 1)) / 2) + 10_000_000);
    expect(rows.length).toBe(2 * (GROUPS_TOP_KEYS + 1));
  });

  it('keeps every runtime of a fleet apart when grouping by runtime over a short window, folding only past the row bound', async () => {
    const ws = (await createWorkspace(db, 'a fleet')).id;
    const fleet = await newRuntimes(ws, GROUPS_TOP_KEYS + 5);
    for (const [i, rt] of fleet.entries())
      await write(rt, [
        {
          id: `f${i}`,
          ts: '2026-05-03T10:00:00Z',
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 1000 * (i + 1),
          output_tokens: 0,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ]);
    const byRuntime = await usageByGroup(db, ws, null, window('UTC'), 'runtime');
    expect(byRuntime.map((r) => r.key).sort()).toEqual([...fleet].sort());
    expect(byRuntime.find((r) => r.key === fleet[4])?.input_tokens).toBe(5000);
    // A long window and the other dimensions keep the plain top keys.
    expect(groupKeysKept('runtime', 5)).toBe(HISTORY_MAX_ROWS / 5 - 1);
    expect(groupKeysKept('runtime', 365)).toBe(GROUPS_TOP_KEYS);
    expect(groupKeysKept('session', 5)).toBe(GROUPS_TOP_KEYS);
    const year = await usageByGroup(db, ws, null, historyWindow(365, 'UTC', new Date(NOW)), 'runtime');
    expect(new Set(year.map((r) => r.key)).size).toBe(GROUPS_TOP_KEYS + 1);
    expect(year.reduce((s, r) => s + r.input_tokens, 0)).toBe((1000 * fleet.length * (fleet.length + 1)) / 2);
  });

  it('reprices attributed usage into its own rollup rows, keeping each project and user exact', async () => {
    const ws = (await createWorkspace(db, 'reprice')).id;
    const [rt] = await newRuntimes(ws, 1);
    const priced = (id: string, project: string | undefined, user: string | undefined): UsageEvent => ({
      id,
      ts: '2026-05-03T10:05:00Z',
      provider: 'claude',
      model: 'house-model',
      input_tokens: 1_000_000,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      ...(project ? { project } : {}),
      ...(user ? { user } : {}),
    });
    await write(rt!, [
      priced('a', 'web', 'ann'),
      priced('b', 'api', undefined),
      priced('c', undefined, undefined),
    ]);
    const before = await usageByGroup(db, ws, null, window('UTC'), 'project');
    expect(before.map((r) => [r.key, r.cost_usd])).toEqual([
      ['(none)', null],
      ['api', null],
      ['web', null],
    ]);
    const house = createPricer({
      prices: { 'house-model': { input: 2, output: 8, cache_read: 0.2, cache_write: 2.5 } },
      aliases: {},
    });
    expect(await repriceUsage(db, house, '2026-05-01')).toMatchObject({ events_repriced: 3 });
    const after = await usageByGroup(db, ws, null, window('UTC'), 'project');
    expect(after.map((r) => [r.key, r.input_tokens, r.cost_usd, r.unpriced_tokens])).toEqual([
      ['(none)', 1_000_000, 2, 0],
      ['api', 1_000_000, 2, 0],
      ['web', 1_000_000, 2, 0],
    ]);
    const byUser = await usageByGroup(db, ws, null, window('UTC'), 'user');
    expect(byUser.map((r) => [r.key, r.cost_usd])).toEqual([
      ['(none)', 4],
      ['ann', 2],
    ]);
  });

  it("never shows a workspace another workspace's project, user or session names", async () => {
    const other = (await createWorkspace(db, 'other')).id;
    const [foreign] = await newRuntimes(other, 1);
    await write(foreign!, [
      {
        ...eventAt(1, Date.parse('2026-05-03T10:00:00Z')),
        id: 'secret',
        project: 'secret-repo',
        user: 'secret-user',
        session_id: 'secret-session',
      },
    ]);
    for (const groupBy of ['project', 'user', 'session', 'runtime'] as const) {
      const mine = await usageByGroup(db, workspaceId, null, window('UTC'), groupBy);
      expect(JSON.stringify(mine)).not.toContain('secret');
      expect(JSON.stringify(mine)).not.toContain(foreign);
      // Naming the foreign runtime with our workspace finds nothing.
      expect(await usageByGroup(db, workspaceId, foreign!, window('UTC'), groupBy)).toEqual([]);
    }
    expect(await usageByDay(db, workspaceId, null, window('UTC'), { project: 'secret-repo' })).toEqual([]);
    const theirs = await usageByGroup(db, other, null, window('UTC'), 'project');
    expect(theirs.map((r) => r.key)).toEqual(['secret-repo']);
  });

  it('moves the tokens of a replaced event whose project, user or session changed, and says so in deltas', async () => {
    const ws = (await createWorkspace(db, 'moves')).id;
    const [rt] = await newRuntimes(ws, 1);
    const base: UsageEvent = {
      id: 'm',
      ts: '2026-05-03T10:20:00Z',
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      input_tokens: 10,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      project: 'before',
      user: 'ann',
      session_id: 's1',
    };
    const first = await write(rt!, [base]);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      hour: new Date('2026-05-03T10:00:00Z'),
      at: new Date('2026-05-03T10:15:00Z'),
      project: 'before',
      user_name: 'ann',
      session_id: 's1',
      input_tokens: 10,
    });
    const { project: _, ...unattributed } = base;
    const moved = await write(rt!, [
      { ...unattributed, input_tokens: 12, user: 'bob', ts: '2026-05-03T10:50:00Z' },
    ]);
    expect(
      moved
        .map((d) => [d.at.toISOString(), d.project, d.user_name, d.session_id, d.input_tokens])
        .sort((a, b) => Number(a[4]) - Number(b[4])),
    ).toEqual([
      ['2026-05-03T10:15:00.000Z', 'before', 'ann', 's1', -10],
      ['2026-05-03T10:45:00.000Z', '', 'bob', 's1', 12],
    ]);
    const byProject = await usageByGroup(db, ws, null, window('UTC'), 'project');
    expect(byProject.map((r) => [r.key, r.input_tokens])).toEqual([['(none)', 12]]);
    const byUser = await usageByGroup(db, ws, null, window('UTC'), 'user');
    expect(byUser.map((r) => [r.key, r.input_tokens])).toEqual([['bob', 12]]);
  });
});
