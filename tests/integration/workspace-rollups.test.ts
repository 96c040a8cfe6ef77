/**
 * The coarse rollups (per workspace or runtime × UTC hour or date × provider × model) stay equal to the winning
 * raw events at every commit: new events, replaced snapshots that move hour or model, unpriced models, a reprice, and two
 * writers committing at once into the same workspace rows (no deadlock, nothing lost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { type Database, repriceUsage } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds, workspaceWithTwoRuntimes, writeEventsOf } from '../helpers/databases';

const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'no-such-model'];
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** Each coarse level: its table, scope column and time column, and the same of the raw events (truth). */
const LEVELS = [
  ['usage_workspace_hourly', 'workspace_id', 'hour', 'r.workspace_id', "date_trunc('hour', e.ts, 'UTC')"],
  ['usage_workspace_daily', 'workspace_id', 'day', 'r.workspace_id', "(e.ts AT TIME ZONE 'UTC')::date"],
  ['usage_runtime_hourly', 'runtime_id', 'hour', 'e.runtime_id', "date_trunc('hour', e.ts, 'UTC')"],
  ['usage_runtime_daily', 'runtime_id', 'day', 'e.runtime_id', "(e.ts AT TIME ZONE 'UTC')::date"],
] as const;
const TOTAL = (a: string) =>
  `${a}.input_tokens + ${a}.output_tokens + ${a}.cache_read_tokens + ${a}.cache_write_tokens`;

/** Sums of the winning events per scope × time × provider × model, as text (exact). */
const truth = (scope: string, time: string) => `
  SELECT ${scope} AS scope, ${time}::text AS t, e.provider, e.model,
         sum(e.input_tokens)::text AS i, sum(e.output_tokens)::text AS o, sum(e.cache_read_tokens)::text AS cr,
         sum(e.cache_write_tokens)::text AS cw, sum(coalesce(e.cost_usd, 0))::text AS cost,
         sum(CASE WHEN e.cost_source = 'agent' THEN ${TOTAL('e')} ELSE 0 END)::text AS agent,
         sum(CASE WHEN e.cost_usd IS NULL THEN ${TOTAL('e')} ELSE 0 END)::text AS unpriced
  FROM usage_events e JOIN runtimes r ON r.id = e.runtime_id
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
/** The rollup's rows, without those a replaced event emptied. */
const rollup = (table: string, scope: string, time: string) => `
  SELECT ${scope} AS scope, ${time}::text AS t, provider, model, input_tokens::text AS i, output_tokens::text AS o,
         cache_read_tokens::text AS cr, cache_write_tokens::text AS cw, cost_usd::text AS cost,
         agent_tokens::text AS agent, unpriced_tokens::text AS unpriced
  FROM ${table} h
  WHERE ${TOTAL('h')} <> 0 OR cost_usd <> 0
  ORDER BY 1, 2, 3, 4`;

/** numeric text → a canonical form (trailing zeros of the cost scale differ between the two sums). */
const canonical = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? String(Number(v)) : v,
      ]),
    ),
  );

describe.each(databaseKinds)('coarse rollups on %s', (kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  const runtimes: string[] = [];

  const write = (rt: string, events: UsageEvent[], pricer = createPricer()) =>
    writeEventsOf(db, rt, events, pricer);
  const expectExact = async () => {
    for (const [table, scope, time, truthScope, truthTime] of LEVELS) {
      const rows = canonical(await db.query(rollup(table, scope, time)));
      expect(rows.length).toBeGreaterThan(0);
      expect({ table, rows }).toEqual({
        table,
        rows: canonical(await db.query(truth(truthScope, truthTime))),
      });
    }
  };

  /** Event `n` of a runtime: hours and models cycle; `scale` makes a larger snapshot of the same id. */
  const event = (n: number, scale = 1, model = MODELS[n % 3]!): UsageEvent => ({
    id: `e-${n}`,
    ts: new Date(T0 + (n % 7) * 3_600_000 + n * 60_000).toISOString(),
    provider: 'claude',
    model,
    input_tokens: 10 * scale + n,
    output_tokens: 5 * scale,
    cache_read_tokens: 100 * n,
    cache_write_tokens: n % 2,
    ...(n % 5 === 0 ? { cost_usd: 0.25 * scale } : {}),
  });

  beforeAll(async () => {
    ({ db, close } = await open());
    for (const name of ['a', 'b']) runtimes.push(...(await workspaceWithTwoRuntimes(db, name)).runtimeIds);
  });
  afterAll(() => close());

  it('sums new events of several runtimes per workspace', async () => {
    for (const [i, rt] of runtimes.entries()) {
      await write(
        rt,
        Array.from({ length: 30 }, (_, n) => event(n + i)),
      );
    }
    await expectExact();
  });

  it('moves a replaced snapshot to its new hour and model, and ignores a smaller one', async () => {
    const rt = runtimes[0]!;
    await write(rt, [
      { ...event(3, 5, 'claude-haiku-4-5'), ts: new Date(T0 + 20 * 3_600_000).toISOString() },
    ]);
    await write(rt, [event(4, 0)]);
    await expectExact();
  });

  it('takes the cost difference of a reprice', async () => {
    const dearer = createPricer({
      prices: { 'claude-sonnet-4-5': { input: 30, output: 150, cache_read: 3, cache_write: 37.5 } },
      aliases: {},
    });
    const result = await repriceUsage(db, dearer, '2026-01-01');
    expect(result.events_repriced).toBeGreaterThan(0);
    await expectExact();
  });

  it.skipIf(kind !== 'postgres')('never deadlocks when writers of one workspace commit at once', async () => {
    // Runtimes 0 and 1 share a workspace; each call writes every model of the same hours, in opposite orders.
    const batch = (rt: string, from: number, reverse: boolean) => {
      const events = Array.from({ length: 60 }, (_, n) => event(1000 + from + n));
      return write(rt, reverse ? events.reverse() : events);
    };
    await Promise.all(Array.from({ length: 10 }, (_, k) => batch(runtimes[k % 2]!, k * 100, k % 2 === 1)));
    await expectExact();
  });
});
