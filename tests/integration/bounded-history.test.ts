import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approximateBytes, HistoryCache } from '../../server/http/history-cache';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  createWorkspace,
  type DailyUsage,
  type Database,
  FOLDED_RUNTIME_ID,
  fineSource,
  HISTORY_TOP_MODELS,
  lockRuntimes,
  registerRuntimes,
  usageByDay,
  usagePage,
  writeUsageEvents,
} from '../../server/store';
import { databaseKinds } from '../helpers/databases';
import { referenceUsageByDay } from '../helpers/usage-by-day-reference';
import { usagePages } from '../helpers/usage-pages';

const COUNTS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'] as const;
const NOW = new Date('2026-11-24T20:00:00Z');
const totals = (rows: DailyUsage[]) => COUNTS.map((c) => rows.reduce((s, r) => s + r[c], 0));

describe.each(databaseKinds)('bounded history on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await open());
  });
  afterAll(() => close());

  const runtimesOf = async (workspaceId: string, count: number) => {
    const ids: string[] = [];
    for (let start = 0; start < count; start += 32) {
      const n = Math.min(32, count - start);
      const rts = await registerRuntimes(
        db,
        workspaceId,
        {
          daemon_id: crypto.randomUUID(),
          device_info: 'box',
          runtimes: Array.from({ length: n }, (_, i) => ({
            provider: `p${start + i}`,
            name: 'r',
            runtime_mode: 'local' as const,
          })),
        },
        'test',
      );
      ids.push(...rts.map((r) => r.id));
    }
    return ids;
  };

  const write = (
    runtimeId: string,
    events: { model: string; tokens: number; provider?: string }[],
    ts = '2026-11-24T10:00:00Z',
  ) =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      await writeUsageEvents(
        tx,
        collapseByKey(
          events.map((e, i) => ({
            runtime_id: runtimeId,
            id: `e${ts}${i}`,
            ts,
            provider: e.provider ?? 'claude',
            model: e.model,
            input_tokens: e.tokens,
            output_tokens: 2 * e.tokens,
            cache_read_tokens: 3,
            cache_write_tokens: 1,
          })),
        ),
        createPricer(),
      );
    });

  it('folds the models of a runtime past the top N per day into one row, keeping the sums', async () => {
    const ws = await createWorkspace(db, 'many models');
    const [runtimeId] = await runtimesOf(ws.id, 1);
    const models = Array.from({ length: 300 }, (_, i) => ({ model: `model-${i}`, tokens: (i + 1) * 1000 }));
    await write(runtimeId!, models);

    const rows = await usageByDay(db, ws.id, runtimeId!, historyWindow(3, 'UTC', NOW));
    expect(rows).toHaveLength(HISTORY_TOP_MODELS + 1);
    const kept = rows.filter((r) => r.model !== 'other').map((r) => r.model);
    expect(kept.sort()).toEqual(
      models
        .slice(-HISTORY_TOP_MODELS)
        .map((m) => m.model)
        .sort(),
    );
    const other = rows.find((r) => r.model === 'other');
    expect(other).toMatchObject({ runtime_id: runtimeId, provider: 'claude', date: '2026-11-24' });
    const raw = models.reduce((s, m) => s + m.tokens, 0);
    expect(totals(rows)).toEqual([raw, 2 * raw, 3 * 300, 300]);
  });

  it('keeps every runtime of a day whole while the day fits in the bound (no fold into other)', async () => {
    const ws = await createWorkspace(db, 'many runtimes');
    const runtimeIds = await runtimesOf(ws.id, 64);
    for (const [i, id] of runtimeIds.entries()) await write(id, [{ model: 'm', tokens: (i + 1) * 10 }]);

    const page = await usagePage(db, ws.id, null, historyWindow(365, 'UTC', NOW));
    expect(page.next).toBeUndefined();
    expect(page.rows).toHaveLength(64);
    expect(new Set(page.rows.map((r) => r.runtime_id))).toEqual(new Set(runtimeIds));
  });

  it('folds a single day past the bound into its largest rows and one row of no runtime, keeping the sums', async () => {
    const ws = await createWorkspace(db, 'a day past the bound');
    const runtimeIds = await runtimesOf(ws.id, 64);
    for (const [i, id] of runtimeIds.entries()) await write(id, [{ model: 'm', tokens: (i + 1) * 10 }]);
    const bound = 40;
    const w = historyWindow(365, 'UTC', NOW);

    // The day alone is the first page; the older days of the window (no usage) are the next one.
    const page = await usagePage(db, ws.id, null, w, undefined, {}, bound, bound);
    expect(page.next).toBe('2026-11-24');
    expect(await usagePage(db, ws.id, null, w, page.next, {}, bound, bound)).toEqual({
      rows: [],
      rowsRead: 0,
    });
    const rows = page.rows;
    expect(rows).toHaveLength(bound);
    expect(rows).toEqual(await referenceUsageByDay(db, ws.id, null, w, fineSource, bound - 1));
    // The largest runtimes keep their rows; the rest are one row that no runtime owns.
    const folded = rows.filter((r) => r.runtime_id === FOLDED_RUNTIME_ID);
    expect(folded).toHaveLength(1);
    expect(folded[0]).toMatchObject({ provider: 'claude', model: 'other' });
    expect(rows.map((r) => r.runtime_id)).not.toContain(runtimeIds[0]);
    expect(rows.map((r) => r.runtime_id)).toContain(runtimeIds[63]);
    const raw = runtimeIds.reduce((s, _, i) => s + (i + 1) * 10, 0);
    expect(totals(rows)).toEqual([raw, 2 * raw, 3 * 64, 64]);
  });

  it('answers a day of more rows than a page holds as a page of its own, whole up to the day bound', async () => {
    const ws = await createWorkspace(db, 'a day past the page');
    const runtimeIds = await runtimesOf(ws.id, 64);
    for (const [i, id] of runtimeIds.entries()) await write(id, [{ model: 'm', tokens: (i + 1) * 10 }]);
    const w = historyWindow(365, 'UTC', NOW);

    const page = await usagePage(db, ws.id, null, w, undefined, {}, 40);
    expect(page.next).toBe('2026-11-24');
    expect(page.rows).toEqual(await referenceUsageByDay(db, ws.id, null, w, fineSource));
    expect(page.rows).toHaveLength(64);
  });

  it('regression: a page after idle newest days reads no more rows than the page needs (the whole rest of the window once)', async () => {
    const ws = await createWorkspace(db, 'idle newest days');
    const runtimeIds = await runtimesOf(ws.id, 20);
    // Usage 10 to 39 days ago only: the newest days' sample is empty, so the first reads find nothing.
    for (let d = 10; d < 40; d++) {
      const ts = new Date(NOW.getTime() - d * 86_400_000).toISOString();
      for (const [i, id] of runtimeIds.entries()) await write(id, [{ model: 'm', tokens: i + d }], ts);
    }
    const bound = 40;
    const w = historyWindow(90, 'UTC', NOW);

    // The newest day with usage is 10 days ago: the page reads from there, two days of 20 rows.
    const first = await usagePage(db, ws.id, null, w, undefined, {}, bound);
    expect(first.rows).toHaveLength(40);
    expect(first.rows[0]?.date).toBe('2026-11-14');
    expect(first.rowsRead).toBe(40);
    const pages = await usagePages(db, ws.id, null, w, bound);
    for (const page of pages) expect(page.rowsRead).toBeLessThanOrEqual(bound + 1);
    expect(pages.flatMap((p) => p.rows)).toEqual(await referenceUsageByDay(db, ws.id, null, w, fineSource));
  });

  it("answers [] for a before at or before the window's first day, and the whole window for one after it", async () => {
    const ws = await createWorkspace(db, 'before');
    const [runtimeId] = await runtimesOf(ws.id, 1);
    await write(runtimeId!, [{ model: 'm', tokens: 5 }]);
    const w = historyWindow(3, 'UTC', NOW);
    expect(w.startDate).toBe('2026-11-22');
    for (const before of ['2026-11-22', '2026-11-01', '1970-01-01'])
      expect(await usagePage(db, ws.id, null, w, before)).toEqual({ rows: [], rowsRead: 0 });
    const whole = await usagePage(db, ws.id, null, w);
    expect(whole.rows).toHaveLength(1);
    expect(await usagePage(db, ws.id, null, w, '2026-11-25')).toEqual(whole);
    expect(await usagePage(db, ws.id, null, w, '2027-01-01')).toEqual(whole);
    // The day of the usage itself is left out of a page before it; the days before it are the page.
    expect(await usagePage(db, ws.id, null, w, '2026-11-24')).toEqual({ rows: [], rowsRead: 0 });
  });
});

describe('bounded history cache', () => {
  it('holds answers up to a byte bound, evicting the least recently used', async () => {
    const row = { runtime_id: FOLDED_RUNTIME_ID, date: '2026-11-24', model: 'x'.repeat(50), input_tokens: 1 };
    const answer = (n: number) => Array.from({ length: n }, () => row);
    // An entry weighs its answer plus its key (two bytes a character; the keys here are two characters).
    const entry = approximateBytes(answer(1000)) + 4;
    const cache = new HistoryCache<(typeof row)[]>(entry * 3);
    for (let i = 0; i < 10; i++) await cache.getOrCompute(`k${i}`, async () => answer(1000));
    expect(cache.bytes).toBe(entry * 3);
    let computed = 0;
    const counted = async () => {
      computed++;
      return answer(1000);
    };
    await cache.getOrCompute('k9', counted);
    await cache.getOrCompute('k0', counted);
    expect(computed).toBe(1);
    // An answer bigger than the whole bound is served, never kept.
    await cache.getOrCompute('huge', async () => answer(4000));
    expect(cache.bytes).toBeLessThanOrEqual(entry * 3);
  });

  it('weighs keys too, so empty answers under long client-chosen filter keys stay within the bound', async () => {
    const capacity = 1024 * 1024;
    const cache = new HistoryCache<never[]>(capacity);
    // Filter values of 200 characters (the schema's limit) × 3, each request with an empty answer.
    const longKey = (i: number) =>
      JSON.stringify([String(i).padStart(200, 'p'), 'u'.repeat(200), 's'.repeat(200)]);
    for (let i = 0; i < 20_000; i++) await cache.getOrCompute(longKey(i), async () => []);
    expect(cache.bytes).toBeLessThanOrEqual(capacity);
    // Each entry weighs at least its key (about 1,300 bytes), so under 800 fit; weighing answers alone let
    // 16,384 empty ones (64 bytes each) hold some 20 MB of keys.
    expect(cache.size).toBe(Math.floor(capacity / (approximateBytes([]) + 2 * longKey(0).length)));
  });
});
