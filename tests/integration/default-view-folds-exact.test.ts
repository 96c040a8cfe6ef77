/**
 * The workspace's default history view (runtime × day × model rows, models past the top N of a runtime's day folded)
 * answers row for row what it answered before its kept rows passed through the folds unsummed and before local days
 * were read as a UTC date corrected by hours (tests/helpers/usage-by-day-reference.ts over the quarter-hour rollup),
 * and so do its pages concatenated (usagePage, whole local days, newest first, each within the bound): in UTC, Los
 * Angeles across the March DST change, Kolkata, Kathmandu, Auckland, Kiritimati, Chatham and Santiago, over 365 days
 * and 30 days, for the workspace and for one runtime, with ties in totals, mixed providers and unpriced models, on
 * Postgres and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  createWorkspace,
  type Database,
  FOLDED,
  FOLDED_RUNTIME_ID,
  lockRuntimes,
  registerRuntimes,
  usageByDay,
  writeUsageEvents,
} from '../../server/store';
import { databaseKinds } from '../helpers/databases';
import { referenceUsageByDay } from '../helpers/usage-by-day-reference';
import { usagePages } from '../helpers/usage-pages';

const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  // A local day whose main UTC date is the day before (+13/+14, +13:45), and one whose clocks go back at midnight.
  'Pacific/Auckland',
  'Pacific/Kiritimati',
  'Pacific/Chatham',
  'America/Santiago',
];
/** 24 models: more than a runtime's day keeps (20), two of them priced, every third of another provider. */
const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', ...Array.from({ length: 22 }, (_, i) => `m-${i}`)];
const START = Date.parse('2026-03-05T00:00:00Z');
const NOW = new Date('2026-03-20T12:00:00Z');

describe.each(databaseKinds)('the default view folds exactly as before on %s', (_k, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  let runtimeIds: string[];
  /** A workspace of 12 models: no runtime's day can fold models, so its pages leave out the models' ranking. */
  let few: { workspaceId: string; runtimeIds: string[] };

  /** Three runtimes writing every 41 minutes for 8 days (across Los Angeles' change on 8 March) from `models`. */
  const seed = async (name: string, models: string[]) => {
    const wsId = (await createWorkspace(db, name)).id;
    const ids = (
      await registerRuntimes(
        db,
        wsId,
        {
          daemon_id: crypto.randomUUID(),
          device_info: 'box',
          // A daemon's runtimes differ by provider.
          runtimes: [0, 1, 2].map((i) => ({
            provider: `p${i}`,
            name: `r${i}`,
            runtime_mode: 'local' as const,
          })),
        },
        'test',
      )
    ).map((r) => r.id);
    // Totals repeat, so ranks meet ties.
    for (const [r, runtimeId] of ids.entries()) {
      await db.transaction(async (tx) => {
        await lockRuntimes(tx, [runtimeId]);
        const events = Array.from({ length: Math.floor((8 * 24 * 60) / 41) }, (_, n) => {
          const m = (n * 7 + r) % models.length;
          return {
            runtime_id: runtimeId,
            id: `f-${r}-${n}`,
            ts: new Date(START + n * 41 * 60_000 + r * 13 * 60_000).toISOString(),
            provider: m % 3 === 2 ? 'openai' : 'claude',
            model: models[m]!,
            input_tokens: 100 * (1 + (n % 5)),
            output_tokens: 10 * (n % 3),
            cache_read_tokens: 0,
            cache_write_tokens: 0,
          };
        });
        await writeUsageEvents(tx, collapseByKey(events), createPricer());
      });
    }
    return { workspaceId: wsId, runtimeIds: ids };
  };

  beforeAll(async () => {
    ({ db, close } = await open());
    ({ workspaceId, runtimeIds } = await seed('folds', MODELS));
    few = await seed('few models', MODELS.slice(0, 12));
  });
  afterAll(() => close());

  it.each(ZONES)('answers the workspace and a runtime over 365 and 30 days of %s as before', async (tz) => {
    for (const days of [365, 30]) {
      const w = historyWindow(days, tz, NOW);
      for (const runtimeId of [null, runtimeIds[0]!]) {
        const want = await referenceUsageByDay(db, workspaceId, runtimeId, w);
        expect(want.length).toBeGreaterThan(20);
        expect({ days, runtimeId, rows: await usageByDay(db, workspaceId, runtimeId, w) }).toEqual({
          days,
          runtimeId,
          rows: want,
        });
        // Models past the top of a runtime's day fold; no day is past the bound, so no runtime's rows fold.
        expect(want.some((r) => r.model === FOLDED && r.runtime_id !== FOLDED_RUNTIME_ID)).toBe(true);
        expect(want.some((r) => r.runtime_id === FOLDED_RUNTIME_ID)).toBe(false);
        // Pages of at most 100 rows (a workspace day holds up to 63, a runtime's 21): several pages, and
        // concatenated they are the same rows.
        const pages = await usagePages(db, workspaceId, runtimeId, w, 100);
        expect(pages.length).toBeGreaterThan(runtimeId ? 1 : 4);
        expect({ days, runtimeId, rows: pages.flatMap((p) => p.rows) }).toEqual({
          days,
          runtimeId,
          rows: want,
        });
      }
    }
  });

  it.each(ZONES)('pages a workspace of few models in %s exactly (no ranking of models)', async (tz) => {
    for (const days of [365, 30]) {
      const w = historyWindow(days, tz, NOW);
      for (const runtimeId of [null, few.runtimeIds[1]!]) {
        const want = await referenceUsageByDay(db, few.workspaceId, runtimeId, w);
        expect(want.length).toBeGreaterThan(20);
        expect(want.some((r) => r.model === FOLDED)).toBe(false);
        const pages = await usagePages(db, few.workspaceId, runtimeId, w, 40);
        expect(pages.length).toBeGreaterThan(1);
        expect({ days, runtimeId, rows: pages.flatMap((p) => p.rows) }).toEqual({
          days,
          runtimeId,
          rows: want,
        });
      }
    }
  });
});
