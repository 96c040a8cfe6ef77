/**
 * The runtime levels hold the hours before their watermark; a commit writes later quarters to usage_quarter only,
 * and the roll step moves hours into the levels (runtime-levels.ts). Here commits on several connections (new
 * events, larger and smaller re-sends, late events for rolled hours, events past every roll) race two rollers (two
 * hubs) that move the watermark an hour at a time across the events' hours. Afterwards the levels hold no hour at or
 * after the watermark, the runtime views summed per runtime × hour or date × model equal the winning raw events, and
 * every view without attribution (a runtime's, the workspace's default shape, by runtime, by model) answers exactly
 * what the quarter-hour rollup answers — also after a reprice racing a roll, and once the watermark passes every
 * event.
 */
import { describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  type Database,
  fineSource,
  levelsFrom,
  newestUsageDay,
  openPostgres,
  repriceUsage,
  rollRuntimeLevels,
  usageByDay,
} from '../../server/store';
import { type GroupBy, TOKEN_KINDS, type UsageEvent } from '../../shared';
import { coarseAndFine } from '../helpers/coarse-and-fine';
import {
  databaseKinds,
  migratedPostgres,
  workspaceWithTwoRuntimes,
  writeEventsOf,
} from '../helpers/databases';

const T0 = Date.parse('2026-03-10T00:00:00Z');
const HOUR = 3_600_000;
/** The rollers move the watermark from T0 to T0 + ROLLED hours; events reach FUTURE hours past T0. */
const ROLLED = 20;
const FUTURE = 30;
/** Commits per writer. */
const COMMITS = 40;
const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'no-such-model'];
const ZONES = ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu'];
const pricer = createPricer();

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Snapshot `scale` of event `n`: from 6 hours before T0 to FUTURE hours after it, 7 minutes apart. */
const event = (n: number, scale: number): UsageEvent => ({
  id: `e-${n}`,
  ts: new Date(T0 - 6 * HOUR + ((n * 7 * 60_000) % ((FUTURE + 6) * HOUR))).toISOString(),
  provider: 'claude',
  model: MODELS[n % 3]!,
  input_tokens: scale * (1 + (n % 13)),
  output_tokens: scale * 2,
  cache_read_tokens: 100 + n,
  cache_write_tokens: n % 5,
  project: `p-${n % 3}`,
  session_id: `s-${n % 4}`,
  ...(n % 7 === 0 ? { cost_usd: 0.25 * scale } : {}),
});
const EVENTS = Math.floor(((FUTURE + 6) * 60) / 7);

const SUMS = [...TOKEN_KINDS, 'cost_usd', 'agent_tokens', 'unpriced_tokens'];
const TOTAL = (a: string) => TOKEN_KINDS.map((k) => `${a}.${k}`).join(' + ');
/** The winning events summed per runtime × `time` × provider × model, as text (exact). */
const truth = (time: string) => `
  SELECT e.runtime_id::text AS scope, ${time}::text AS t, e.provider, e.model,
         ${TOKEN_KINDS.map((k) => `sum(e.${k})::numeric::text AS ${k}`).join(', ')},
         round(sum(coalesce(e.cost_usd, 0)), 9)::text AS cost_usd,
         sum(CASE WHEN e.cost_source = 'agent' THEN ${TOTAL('e')} ELSE 0 END)::numeric::text AS agent_tokens,
         sum(CASE WHEN e.cost_usd IS NULL THEN ${TOTAL('e')} ELSE 0 END)::numeric::text AS unpriced_tokens
  FROM usage_events e GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
/** A runtime view's rows summed per key (the daily view has two rows on the watermark's date), zeros dropped. */
const viewed = (view: string, time: string) => `
  SELECT runtime_id::text AS scope, ${time}::text AS t, provider, model,
         ${SUMS.filter((c) => c !== 'cost_usd')
           .map((c) => `sum(${c})::text AS ${c}`)
           .join(', ')},
         round(sum(cost_usd), 9)::text AS cost_usd
  FROM ${view} GROUP BY 1, 2, 3, 4
  HAVING sum(${TOKEN_KINDS.join(') + sum(')}) <> 0 OR sum(cost_usd) <> 0
  ORDER BY 1, 2, 3, 4`;
const ordered = (rows: Record<string, unknown>[]) =>
  rows.map((r) => Object.fromEntries(SUMS.concat('scope', 't', 'provider', 'model').map((k) => [k, r[k]])));

async function expectExact(db: Database, workspaceId: string, runtimes: string[]): Promise<void> {
  // The levels hold no hour at or after the watermark.
  const [stray] = await db.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM usage_runtime_hourly_rolled WHERE hour >= (SELECT levels_from FROM usage_runtime_levels))
           + (SELECT count(*) FROM usage_runtime_daily_rolled
              WHERE day > (SELECT (levels_from AT TIME ZONE 'UTC')::date FROM usage_runtime_levels)))::int AS n`,
  );
  expect(stray!.n).toBe(0);
  for (const [view, time, truthTime] of [
    ['usage_runtime_hourly', 'hour', "date_trunc('hour', e.ts, 'UTC')"],
    ['usage_runtime_daily', 'day', "(e.ts AT TIME ZONE 'UTC')::date"],
  ] as const) {
    const got = ordered(await db.query(viewed(view, time)));
    expect(got.length, view).toBeGreaterThan(10);
    expect({ view, rows: got }).toEqual({ view, rows: ordered(await db.query(truth(truthTime))) });
  }
  const views: [string, string | null, GroupBy | null][] = [
    ['runtime view', runtimes[0]!, null],
    ['workspace default', null, null],
    ['workspace by runtime', null, 'runtime'],
    ['runtime by model', runtimes[1]!, 'model'],
  ];
  for (const tz of ZONES) {
    const w = historyWindow(7, tz, new Date(T0 + FUTURE * HOUR));
    for (const [name, rt, groupBy] of views) {
      const [coarse, fine] = await coarseAndFine(db, workspaceId, rt, w, groupBy);
      expect(fine.length, name).toBeGreaterThan(0);
      expect({ tz, name, rows: coarse }).toEqual({ tz, name, rows: fine });
    }
    // The first page starts at the newest day with usage: from the levels or the hours after the watermark.
    const days = (await usageByDay(db, workspaceId, null, w, {}, fineSource)).map((r) => r.date).sort();
    expect({ tz, newest: await newestUsageDay(db, workspaceId, null, w) }).toEqual({
      tz,
      newest: days.at(-1),
    });
  }
}

/**
 * Writers commit batches of random events (new ones, larger re-sends that win, smaller ones that lose) while two
 * rollers move the watermark from T0 an hour at a time; `dbs` are the writers' and rollers' databases (their own
 * connections on Postgres, the one database on PGlite).
 */
async function race(writers: Database[], rollers: Database[], runtimes: string[]): Promise<void> {
  const rolls = rollers.map(async (db, i) => {
    for (let h = 1; h <= ROLLED; h++) {
      await rollRuntimeLevels(db, new Date(T0 + h * HOUR + i * 60_000));
      await new Promise((r) => setTimeout(r, 10 + i * 7));
    }
  });
  const writes = writers.map(async (db, w) => {
    const rand = random(w + 1);
    for (let c = 0; c < COMMITS; c++) {
      const rt = runtimes[Math.floor(rand() * runtimes.length)]!;
      const batch = new Map<string, UsageEvent>();
      for (let k = 0; k < 12; k++) {
        const n = Math.floor(rand() * EVENTS);
        batch.set(`e-${n}`, event(n, 1 + Math.floor(rand() * 4)));
      }
      await writeEventsOf(db, rt, [...batch.values()], pricer);
    }
  });
  await Promise.all([...rolls, ...writes]);
}

describe.each(databaseKinds)('runtime levels rolled while commits race on %s', (kind, open) => {
  it('stay exact at the watermark, for late and future events, and once it passes them all', async () => {
    // Postgres: writers and rollers on connections of their own, nothing in the process serialises them.
    const fresh = kind === 'postgres' ? await migratedPostgres(1) : null;
    const { db, close } = fresh ?? (await open());
    const pools = fresh ? Array.from({ length: 5 }, () => openPostgres(fresh.url, 1)) : [];
    try {
      // A fresh database's levels are empty: the watermark may start anywhere.
      await db.query(`UPDATE usage_runtime_levels SET levels_from = $1`, [new Date(T0).toISOString()]);
      const { workspaceId, runtimeIds: runtimes } = await workspaceWithTwoRuntimes(db, 'roll');
      // PGlite is one connection: its commits and rolls take turns.
      const writers = fresh ? pools.slice(0, 3) : [db];
      const rollers = fresh ? pools.slice(3) : [db];
      await race(writers, rollers, runtimes);
      expect(await levelsFrom(db)).toBe(new Date(T0 + ROLLED * HOUR).toISOString());
      await expectExact(db, workspaceId, runtimes);

      // A reprice of hours on both sides of the watermark, racing a roll of four more hours.
      const dearer = createPricer({
        prices: { 'claude-sonnet-4-5': { input: 30, output: 150, cache_read: 3, cache_write: 37.5 } },
        aliases: {},
      });
      const [repriced] = await Promise.all([
        repriceUsage(db, dearer, '2026-03-01', 50),
        rollRuntimeLevels(rollers[0]!, new Date(T0 + (ROLLED + 4) * HOUR)),
      ]);
      expect(repriced.events_repriced).toBeGreaterThan(0);
      expect(await levelsFrom(db)).toBe(new Date(T0 + (ROLLED + 4) * HOUR).toISOString());
      await expectExact(db, workspaceId, runtimes);

      // Past every event, in steps of at most a day (the roll's cap).
      await rollRuntimeLevels(db, new Date(T0 + (FUTURE + 30) * HOUR));
      expect(await levelsFrom(db)).toBe(new Date(T0 + (FUTURE + 30) * HOUR).toISOString());
      const [left] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM usage_quarter WHERE bucket >= (SELECT levels_from FROM usage_runtime_levels)`,
      );
      expect(left!.n).toBe(0);
      await expectExact(db, workspaceId, runtimes);
    } finally {
      for (const p of pools) await p.close();
      await close();
    }
  });
});
