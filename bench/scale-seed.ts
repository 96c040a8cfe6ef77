/**
 * A year of a team's usage for the scale scenario: 200 runtimes, 10 models, events spread over the last 365 days,
 * written in time order (as daemons would have sent them) through the store's own write path
 * (`writeUsageEvents`: events + every rollup in one statement), so the rollups are exactly what ingest builds.
 * Deterministic (a seeded generator), and resumable in steps: seeding 1M then 4M more gives the 5M database.
 */
import { createPricer } from '../server/pricing';
import {
  type Database,
  lockRuntimes,
  type RuntimeUsageEvent,
  registerRuntimes,
  writeUsageEvents,
} from '../server/store';
import { BENCH_MODELS } from './seed-history';

export const SCALE_MODELS = [...BENCH_MODELS, 'claude-opus-4-1', 'gpt-5-nano'];
export const SCALE_RUNTIMES = 200;
export const SCALE_DAYS = 365;
/** Events per write transaction: large enough that per-statement cost is nothing next to the rows. */
const BATCH = 5000;

/** mulberry32: a small, fast, seeded generator, so every run seeds the same history. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScaleFleet {
  workspaceId: string;
  runtimeIds: string[];
  /** The runtime with the largest share of events (the "busy" runtime of the runtime view). */
  busyRuntimeId: string;
}

/** Registers the fleet: 200 runtimes on 100 daemons (one Claude and one Codex runtime each). */
export async function registerFleet(db: Database, workspaceId: string): Promise<ScaleFleet> {
  const runtimeIds: string[] = [];
  for (let d = 0; d < SCALE_RUNTIMES / 2; d++) {
    const rts = await registerRuntimes(
      db,
      workspaceId,
      {
        daemon_id: crypto.randomUUID(),
        device_info: `scale-${d}`,
        runtimes: [
          { provider: 'claude', name: `claude-${d}`, runtime_mode: 'local' },
          { provider: 'codex', name: `codex-${d}`, runtime_mode: 'local' },
        ],
      },
      'bench',
    );
    runtimeIds.push(...rts.map((r) => r.id));
  }
  return { workspaceId, runtimeIds, busyRuntimeId: runtimeIds[0]! };
}

/**
 * The `n`th event of the history of `total` events (n < total): its day follows n (time order), its runtime is
 * skewed (runtime 0 takes 5 %, the rest share evenly), its model mostly one of the runtime's provider.
 */
function eventAt(
  fleet: ScaleFleet,
  layer: string,
  n: number,
  total: number,
  now: number,
  rnd: () => number,
): RuntimeUsageEvent {
  const dayStart = now - SCALE_DAYS * 86_400_000;
  const ts = dayStart + Math.floor((n / total) * SCALE_DAYS * 86_400_000) + Math.floor(rnd() * 60_000);
  const r = rnd() < 0.05 ? 0 : 1 + Math.floor(rnd() * (fleet.runtimeIds.length - 1));
  const claude = r % 2 === 0;
  const models = SCALE_MODELS.filter((m) => m.startsWith('gpt') !== claude);
  const model = models[Math.floor(rnd() * rnd() * models.length)]!;
  const day = Math.floor((ts - dayStart) / 86_400_000);
  return {
    runtime_id: fleet.runtimeIds[r]!,
    id: `${layer}-${n}`,
    ts: new Date(Math.min(ts, now - 1000)).toISOString(),
    provider: claude ? 'claude' : 'codex',
    model,
    input_tokens: 1 + Math.floor(rnd() * 5000),
    output_tokens: 50 + Math.floor(rnd() * 2000),
    cache_read_tokens: Math.floor(rnd() * 200_000),
    cache_write_tokens: Math.floor(rnd() * 20_000),
    project: `project-${r % 7}-${Math.floor(rnd() * 3)}`,
    session_id: `s-${r}-${day}-${Math.floor(rnd() * 4)}`,
    user: `user-${r >> 1}`,
  };
}

/**
 * Writes one layer of `count` events spread over the whole year (ids `<layer>-<n>`): batches of 5,000 in time
 * order, each its own transaction, as the hub's writer commits them. A 5M database is the 1M layer, then a 4M
 * layer on top (each time-ordered; the heap holds the two years one after the other). Returns events/s.
 */
export async function seedScaleHistory(
  db: Database,
  fleet: ScaleFleet,
  range: { layer: string; count: number; now: number },
  log: (line: string) => void = () => {},
): Promise<number> {
  const pricer = createPricer();
  const started = performance.now();
  const write = (batch: RuntimeUsageEvent[]) =>
    db.transaction(async (tx) => {
      await lockRuntimes(
        tx,
        batch.map((e) => e.runtime_id),
      );
      await writeUsageEvents(tx, batch, pricer);
    });
  const layerSeed = [...range.layer].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7);
  let pending: Promise<unknown> = Promise.resolve();
  let lastLog = started;
  for (let n = 0; n < range.count; n += BATCH) {
    const rnd = random(n ^ layerSeed);
    const batch: RuntimeUsageEvent[] = [];
    for (let i = n; i < Math.min(n + BATCH, range.count); i++) {
      batch.push(eventAt(fleet, range.layer, i, range.count, range.now, rnd));
    }
    // Build the next batch while Postgres writes this one.
    await pending;
    pending = write(batch);
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`seeded ${n.toLocaleString('en-US')} of ${range.count.toLocaleString('en-US')}`);
    }
  }
  await pending;
  return (range.count * 1000) / (performance.now() - started);
}
