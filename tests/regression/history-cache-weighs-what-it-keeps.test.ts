/**
 * Regression (issue 19, hub RSS): the history cache is bounded by its estimate of the bytes of the answers it holds,
 * so that estimate must cover what the answers really keep alive in V8. The default rows were built by a rest and a
 * spread (`({ agent_tokens, unpriced_tokens, ...r }) => ({ ...r, cost_source, unpriced_tokens })`), which gave every
 * row a hidden class and descriptor array of its own: 674 bytes a row kept, weighed at ~310, so the 32 MB cache held
 * some 70 MB (a heap snapshot of the scale bench's hub: 129k maps, 41 MB, for 113k cached rows).
 *
 * Real rows from Postgres, read a page at a time as the route reads them and made wire rows by the route's own
 * function, go into a real HistoryCache; the heap is measured after a full GC with the cache alive and again once it
 * is dropped: the difference is exactly what the cache kept.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryCache } from '../../server/http/history-cache';
import { historyWindow } from '../../server/http/history-window';
import { usageRow } from '../../server/http/usage-rows';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database, registerRuntimes, usageByGroup } from '../../server/store';
import type { GroupedUsageRow, UsageRow } from '../../shared';
import { databaseKinds, writeEventsOf } from '../helpers/databases';
import { usagePages } from '../helpers/usage-pages';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NOW = new Date('2026-11-24T20:00:00Z');
const RUNTIMES = 50;
const MODELS = 20;
const DAYS = 20;

/** Bytes the answers cached by `fill` keep alive: the heap with the cache, less the heap without it. */
function keptBytes<V extends readonly object[]>(
  fill: (cache: HistoryCache<V>) => void,
): { kept: number; weighed: number } {
  let cache: HistoryCache<V> | undefined = new HistoryCache<V>(Number.MAX_SAFE_INTEGER);
  fill(cache);
  const weighed = cache.bytes;
  gc();
  const withCache = process.memoryUsage().heapUsed;
  cache = undefined;
  gc();
  return { kept: withCache - process.memoryUsage().heapUsed, weighed };
}

describe('history cache weighs what it keeps', () => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;

  beforeAll(async () => {
    ({ db, close } = await databaseKinds[0]![1]());
    workspaceId = (await createWorkspace(db, 'weighed')).id;
    const ids: string[] = [];
    for (let start = 0; start < RUNTIMES; start += 25) {
      const runtimes = Array.from({ length: 25 }, (_, i) => ({
        provider: `p${start + i}`,
        name: 'r',
        runtime_mode: 'local' as const,
      }));
      const rts = await registerRuntimes(
        db,
        workspaceId,
        { daemon_id: crypto.randomUUID(), device_info: 'box', runtimes },
        'test',
      );
      ids.push(...rts.map((r) => r.id));
    }
    const pricer = createPricer();
    for (const id of ids) {
      const events = [];
      for (let day = 1; day <= DAYS; day++) {
        const ts = new Date(NOW.getTime() - day * 86_400_000).toISOString();
        for (let m = 0; m < MODELS; m++)
          events.push({
            id: `e${day}-${m}`,
            ts,
            provider: 'claude',
            // Half the models have a price, so rows carry both a cost and null.
            model: m % 2 ? `claude-sonnet-4-5` : `unpriced-model-${m}`,
            input_tokens: 1000 + m,
            output_tokens: 2_000_000_000 + m,
            cache_read_tokens: 3,
            cache_write_tokens: 1,
          });
      }
      await writeEventsOf(db, id, events, pricer);
    }
  }, 120_000);
  afterAll(() => close());

  it('default rows, as the route caches them: the estimate covers the bytes kept and is not twice them', async () => {
    const w = historyWindow(30, 'UTC', NOW);
    const pages = await usagePages(db, workspaceId, null, w, 2_000);
    const rows = pages.reduce((n, p) => n + p.rows.length, 0);
    expect(rows).toBe(RUNTIMES * (MODELS / 2 + 1) * DAYS);
    const { kept, weighed } = keptBytes<UsageRow[]>((cache) => {
      for (const [i, page] of pages.entries()) cache.set(`page ${i}`, page.rows.map(usageRow));
      pages.length = 0;
    });
    expect(kept).toBeGreaterThan(0);
    expect(weighed).toBeGreaterThanOrEqual(kept);
    expect(weighed).toBeLessThan(2 * kept);
  });

  it('grouped rows, as the route caches them (straight from the driver)', async () => {
    const w = historyWindow(30, 'UTC', NOW);
    const answers: GroupedUsageRow[][] = [];
    for (let i = 0; i < 10; i++) answers.push(await usageByGroup(db, workspaceId, null, w, 'runtime'));
    expect(answers[0]).toHaveLength(RUNTIMES * DAYS);
    const { kept, weighed } = keptBytes<GroupedUsageRow[]>((cache) => {
      for (const [i, answer] of answers.entries()) cache.set(`answer ${i}`, answer);
      answers.length = 0;
    });
    expect(weighed).toBeGreaterThanOrEqual(kept);
    expect(weighed).toBeLessThan(2 * kept);
  });
});
