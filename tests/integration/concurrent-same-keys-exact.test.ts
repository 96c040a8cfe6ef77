/**
 * Usage writes no longer lock a whole runtime: they order themselves per event key. Here several connections
 * commit snapshots of the same keys of one runtime at the same time (first inserts racing each other, larger and
 * smaller snapshots crossing), and everything must stay exact: each stored event is the largest snapshot sent for
 * its key, the hourly rollup equals the sum of the stored events, and the deltas the commits returned add up to
 * the rollup (what a dashboard adding them would show).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  type Database,
  type HourDelta,
  lockRuntimes,
  openPostgres,
  quarterOf,
  writeUsageEvents,
} from '../../server/store';
import { TOKEN_KINDS, totalOf, type UsageEvent } from '../../shared';
import { type MigratedPostgres, migratedPostgres, workspaceWithRuntime } from '../helpers/databases';

const KEYS = 40;
const WRITERS = 6;
const COMMITS_PER_WRITER = 25;
const HOURS = ['2026-11-24T10:15:00Z', '2026-11-24T11:05:00Z'];
const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5'];

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Snapshot `n` of key `k`: its total is unique among all snapshots (n·KEYS + k + 1, spread over the four kinds),
 * so "the largest wins" has one answer whatever the order. Hour and model depend on the key only.
 */
function snapshot(k: number, n: number): UsageEvent {
  const total = n * KEYS + k + 1;
  return {
    id: `key-${k}`,
    ts: HOURS[k % HOURS.length]!,
    provider: 'claude',
    model: MODELS[k % MODELS.length]!,
    input_tokens: total,
    output_tokens: 2 * total,
    cache_read_tokens: 3 * total,
    cache_write_tokens: k % 2 === 0 ? 0 : total,
  };
}

describe('concurrent commits of the same keys', () => {
  let fresh: MigratedPostgres;
  let db: Database;
  let runtimeId: string;

  beforeAll(async () => {
    fresh = await migratedPostgres();
    db = fresh.db;
    runtimeId = await workspaceWithRuntime(db, 'concurrent');
  });
  afterAll(async () => {
    await fresh.close();
  });

  it('two or more connections committing the same keys at once stay exact', async () => {
    // Each writer has its own pool, i.e. its own connection: nothing in the process serialises them.
    const pools = Array.from({ length: WRITERS }, () => openPostgres(fresh.url, 1));
    const sent = new Map<string, UsageEvent>();
    const returned: HourDelta[] = [];
    const pricer = createPricer();
    try {
      await Promise.all(
        pools.map(async (pool, w) => {
          const rand = random(w + 1);
          for (let c = 0; c < COMMITS_PER_WRITER; c++) {
            // A batch of snapshots of random keys; later commits tend to carry larger snapshots, but not always.
            const batch: UsageEvent[] = [];
            for (let i = 0; i < 15; i++) {
              const k = Math.floor(rand() * KEYS);
              const n = Math.floor(rand() * (c + 3));
              batch.push(snapshot(k, n * WRITERS + w));
            }
            for (const e of batch) {
              const best = sent.get(e.id);
              if (!best || totalOf(e) > totalOf(best)) sent.set(e.id, e);
            }
            const deltas = await pool.transaction((tx) =>
              writeUsageEvents(
                tx,
                collapseByKey(batch.map((e) => ({ ...e, runtime_id: runtimeId }))),
                pricer,
              ),
            );
            returned.push(...deltas);
          }
        }),
      );
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }

    const stored = await db.query<UsageEvent>(
      `SELECT id, ${TOKEN_KINDS.join(', ')} FROM usage_events WHERE runtime_id = $1 ORDER BY id`,
      [runtimeId],
    );
    const expected = [...sent.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((e) => ({
        id: e.id,
        ...Object.fromEntries(TOKEN_KINDS.map((k) => [k, e[k]])),
      }));
    expect(stored).toEqual(expected);

    // The rollup equals the stored events, per quarter-hour and model (these events carry no attribution).
    const mismatches = await db.query(
      `WITH ev AS (
         SELECT ${quarterOf('ts')} AS bucket, model, ${TOKEN_KINDS.map((k) => `sum(${k}) AS ${k}`).join(', ')}
         FROM usage_events WHERE runtime_id = $1 GROUP BY 1, 2
       )
       SELECT * FROM ev FULL JOIN usage_quarter h ON h.runtime_id = $1 AND h.bucket = ev.bucket AND h.model = ev.model
       WHERE ${TOKEN_KINDS.map((k) => `ev.${k} IS DISTINCT FROM h.${k}`).join(' OR ')}`,
      [runtimeId],
    );
    expect(mismatches).toEqual([]);

    // The deltas handed to dashboards add up to the rollup.
    const summed = new Map<string, number[]>();
    for (const d of returned) {
      const key = `${new Date(d.at).toISOString()} ${d.model}`;
      const acc = summed.get(key) ?? TOKEN_KINDS.map(() => 0);
      TOKEN_KINDS.forEach((k, i) => {
        acc[i]! += d[k];
      });
      summed.set(key, acc);
    }
    const hourly = await db.query<Record<string, number | Date | string>>(
      `SELECT bucket, model, ${TOKEN_KINDS.join(', ')} FROM usage_quarter WHERE runtime_id = $1`,
      [runtimeId],
    );
    expect(hourly).toHaveLength(summed.size);
    for (const h of hourly) {
      const key = `${(h.bucket as Date).toISOString()} ${h.model as string}`;
      expect(summed.get(key)).toEqual(TOKEN_KINDS.map((k) => h[k]));
    }
    // Every usage write bumped the runtime's version (history caches stay exact).
    const [version] = await db.query<{ usage_version: number }>(
      'SELECT usage_version FROM runtimes WHERE id = $1',
      [runtimeId],
    );
    expect(version?.usage_version).toBeGreaterThan(0);
  });

  it('an exclusive runtime lock (daily totals, reprice) still holds usage writes back until it commits', async () => {
    const other = openPostgres(fresh.url, 1);
    try {
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const holder = db.transaction(async (tx) => {
        await lockRuntimes(tx, [runtimeId]);
        locked();
        await held;
      });
      await isLocked;
      let written = false;
      const write = other
        .transaction((tx) =>
          writeUsageEvents(
            tx,
            [{ ...snapshot(0, 10_000), id: 'held-back', runtime_id: runtimeId }],
            createPricer(),
          ),
        )
        .then(() => {
          written = true;
        });
      await new Promise((r) => setTimeout(r, 300));
      expect(written).toBe(false);
      release();
      await holder;
      await write;
      expect(written).toBe(true);
    } finally {
      await other.close();
    }
  });
});
