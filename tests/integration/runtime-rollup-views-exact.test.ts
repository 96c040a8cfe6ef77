/**
 * Views that ask for no attribution read the coarse rollups (usage-source-coarse.ts); each must answer exactly
 * what the same view answers from the quarter-hour rollup alone (fineSource), for a runtime, `group_by=runtime`
 * and `group_by=model` of a runtime and of the workspace, and the workspace's default shape: in UTC, Los Angeles
 * (across the March DST change), Kolkata (+5:30) and Kathmandu (+5:45), with attributed events of several
 * runtimes, after re-sends that move hour and model (largest total wins), daily totals, a reprice and a retention
 * round. The runtime's view is also checked against the raw events by their local day (Intl).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  type Database,
  type HistoryWindow,
  repriceUsage,
  runRetention,
  usageByDay,
  writeDailyTotals,
} from '../../server/store';
import { type GroupBy, TOKEN_KINDS, type UsageEvent } from '../../shared';
import { coarseAndFine } from '../helpers/coarse-and-fine';
import { databaseKinds, intlLocalDate, workspaceWithTwoRuntimes, writeEventsOf } from '../helpers/databases';

const ZONES = ['UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'Asia/Kathmandu'];
const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'no-such-model'];
const START = Date.parse('2026-02-25T00:00:00Z');
const NOW = new Date('2026-03-20T12:00:00Z');
const pricer = createPricer();

/** Event n of runtime r: every 23 minutes for 22 days (every minute offset of a quarter-hour), attributed. */
const event = (r: number, n: number, scale = 1, model = MODELS[(n + r) % 3]!): UsageEvent => ({
  id: `e-${r}-${n}`,
  ts: new Date(START + n * 23 * 60_000 + r * 7 * 60_000).toISOString(),
  provider: 'claude',
  model,
  input_tokens: scale * (1 + (n % 13)),
  output_tokens: scale * 2 * n,
  cache_read_tokens: 100 + n,
  cache_write_tokens: n % 5,
  project: `p-${n % 3}`,
  user: `u-${(n + r) % 2}`,
  session_id: `s-${r}-${n % 4}`,
  ...(n % 7 === 0 ? { cost_usd: 0.5 * scale } : {}),
});
const COUNT = Math.floor((22 * 24 * 60) / 23);

describe.each(databaseKinds)(
  'views from the runtime rollups equal the quarter-hour rollup on %s',
  (_k, open) => {
    let db: Database;
    let close: () => Promise<void>;
    let workspaceId: string;
    let runtimes: string[];

    const write = (rt: string, events: UsageEvent[]) => writeEventsOf(db, rt, events, pricer);

    /** Every view without attribution, from the coarse rollups and from the quarter-hour rollup. */
    const expectViewsEqual = async (w: HistoryWindow) => {
      const views: [string, string | null, GroupBy | null][] = [
        ['runtime view', runtimes[0]!, null],
        ['workspace default', null, null],
        ['runtime by model', runtimes[1]!, 'model'],
        ['runtime by runtime', runtimes[0]!, 'runtime'],
        ['workspace by runtime', null, 'runtime'],
        ['workspace by model', null, 'model'],
      ];
      for (const [name, rt, groupBy] of views) {
        const [coarse, fine] = await coarseAndFine(db, workspaceId, rt, w, groupBy);
        expect(fine.length, name).toBeGreaterThan(20);
        expect({ name, rows: coarse }).toEqual({ name, rows: fine });
      }
    };

    /** The runtime's view against its raw events by local day (Intl), tokens per date × model. */
    const expectRuntimeViewIsEvents = async (w: HistoryWindow) => {
      const events = await db.query<{ ts: Date; model: string } & Record<string, string>>(
        `SELECT ts, model, ${TOKEN_KINDS.join(', ')} FROM usage_events WHERE runtime_id = $1`,
        [runtimes[0]],
      );
      const want = new Map<string, number[]>();
      for (const e of events) {
        const date = intlLocalDate(e.ts.getTime(), w.tz);
        if (date < w.startDate || date > w.endDate) continue;
        const s = want.get(`${date}|${e.model}`) ?? [0, 0, 0, 0];
        TOKEN_KINDS.forEach((k, i) => {
          s[i]! += Number(e[k]);
        });
        want.set(`${date}|${e.model}`, s);
      }
      const got = await usageByDay(db, workspaceId, runtimes[0]!, w);
      expect(new Map(got.map((r) => [`${r.date}|${r.model}`, TOKEN_KINDS.map((k) => r[k])]))).toEqual(want);
    };

    beforeAll(async () => {
      ({ db, close } = await open());
      ({ workspaceId, runtimeIds: runtimes } = await workspaceWithTwoRuntimes(db, 'coarse'));
      for (const [r, rt] of runtimes.entries())
        await write(
          rt,
          Array.from({ length: COUNT }, (_, n) => event(r, n)),
        );
    });
    afterAll(() => close());

    it.each(ZONES)('answers every view of %s exactly after new events', async (tz) => {
      const w = historyWindow(30, tz, NOW);
      await expectViewsEqual(w);
      await expectRuntimeViewIsEvents(w);
    });

    it('stays exact after re-sends that move hour and model, and smaller re-sends that lose', async () => {
      const moved = Array.from({ length: 200 }, (_, k) => {
        const n = k * 7;
        return {
          ...event(0, n, 3, MODELS[(n + 1) % 3]!),
          ts: new Date(START + n * 23 * 60_000 + 50 * 60_000).toISOString(),
        };
      });
      await write(runtimes[0]!, moved);
      await write(
        runtimes[0]!,
        Array.from({ length: 50 }, (_, k) => event(0, k * 7 + 1, 0)),
      );
      for (const tz of ZONES) {
        const w = historyWindow(30, tz, NOW);
        await expectViewsEqual(w);
        await expectRuntimeViewIsEvents(w);
      }
    });

    it('stays exact with daily totals and after a reprice', async () => {
      await writeDailyTotals(
        db,
        runtimes[1]!,
        [
          {
            date: '2026-03-10',
            provider: 'codex',
            model: 'gpt-5',
            input_tokens: 500,
            output_tokens: 40,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
          },
          {
            date: '2026-03-11',
            provider: 'codex',
            model: 'no-such-model',
            input_tokens: 7,
            output_tokens: 1,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
          },
        ],
        pricer,
      );
      const dearer = createPricer({
        prices: { 'claude-sonnet-4-5': { input: 30, output: 150, cache_read: 3, cache_write: 37.5 } },
        aliases: {},
      });
      const repriced = await repriceUsage(db, dearer, '2026-01-01');
      expect(repriced.events_repriced).toBeGreaterThan(0);
      for (const tz of ZONES) await expectViewsEqual(historyWindow(30, tz, NOW));
    });

    it('stays exact after a retention round deletes the oldest raw events', async () => {
      const before = await usageByDay(db, workspaceId, null, historyWindow(30, 'Asia/Kathmandu', NOW));
      const round = await runRetention(db, { days: 15, now: NOW, pauseMs: 0, dutyCycle: 1 });
      expect(round.deleted).toBeGreaterThan(500);
      expect(await usageByDay(db, workspaceId, null, historyWindow(30, 'Asia/Kathmandu', NOW))).toEqual(
        before,
      );
      for (const tz of ZONES) await expectViewsEqual(historyWindow(30, tz, NOW));
    });
  },
);
