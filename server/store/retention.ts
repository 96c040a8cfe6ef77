/**
 * Raw-event retention: usage events older than the retention period are deleted in small batches, the rollups
 * are never touched (views of old days stay exact). The horizon is sealed first, in its own transaction, and the
 * write path ignores events before it — so a late re-send of a deleted event is never counted a second time.
 */
import type { Database } from './database';
import { lockRuntimes } from './usage-writes';

/** Advisory-lock key of the retention job: one node deletes at a time (taken per batch). */
const RETENTION_LOCK = 7_263_019_019;

export interface RetentionRound {
  /** The sealed horizon after this round (ISO), or null when nothing was ever sealed. */
  rawBefore: string | null;
  deleted: number;
  batches: number;
  /** False when another node held the job's lock, so this round left the work to it. */
  ran: boolean;
  /** Time spent in batches (the rest of the round was pauses), ms. */
  busyMs: number;
}

/**
 * How hard a round works by default. Batches of 5,000 with 20 ms pauses kept 41 % of a core busy and cost ingest
 * 0.75× while they ran at 5M events; at a duty cycle of 0.2 ingest ran at 0.74–0.94× of without, at 0.1 at
 * 0.89–1.24× (BENCHMARKS.md, history at scale). Smaller batches hold their runtimes' locks for less time, and the
 * duty cycle bounds the round's share of the machine whatever its speed. A daily round in steady state deletes
 * 1/400 of the events, so a slower round costs nothing anyone waits for.
 */
export const RETENTION_PACE = { batchSize: 1_000, pauseMs: 20, dutyCycle: 0.1 } as const;

export interface RetentionOptions {
  /** Keep raw events this many days; 0 keeps them forever. */
  days: number;
  batchSize?: number;
  /** Least pause between batches, so ingest's transactions interleave with the job's. */
  pauseMs?: number;
  /**
   * Largest share (0–1] of the round's time spent in batches: after a batch of t ms the job pauses at least
   * t × (1 − dutyCycle) / dutyCycle ms, so a batch slowed by a busy machine is followed by a longer pause.
   */
  dutyCycle?: number;
  /** Stop after this many batches (the next round goes on). */
  maxBatches?: number;
  /** Checked between batches: a stopping hub ends the round early (the next round goes on). */
  stopped?: () => boolean;
  now?: Date;
}

/** The sealed horizon: events before it are gone (or going) and ignored on ingest. */
export async function rawHorizon(db: Database): Promise<Date | null> {
  const [row] = await db.query<{ ms: number | null }>(
    `SELECT CASE WHEN raw_before = '-infinity' THEN NULL ELSE (extract(epoch FROM raw_before) * 1000)::float8 END AS ms
     FROM usage_retention`,
  );
  return row?.ms == null ? null : new Date(row.ms);
}

/** Moves the horizon forward to `cutoff` (never back); commits before any event is deleted. */
async function seal(db: Database, cutoff: Date): Promise<string | null> {
  const [row] = await db.query<{ ms: number }>(
    `UPDATE usage_retention SET raw_before = greatest(raw_before, $1::timestamptz)
     RETURNING (extract(epoch FROM raw_before) * 1000)::float8 AS ms`,
    [cutoff.toISOString()],
  );
  return row ? new Date(row.ms).toISOString() : null;
}

/** Deletes up to `limit` events before the horizon; null when another node holds the job's lock. */
async function deleteBatch(db: Database, limit: number): Promise<number | null> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
      RETENTION_LOCK,
    ]);
    if (!lock?.ok) return null;
    // The batch's runtimes are locked exclusively, in the writers' order, before their rows go: a commit that read
    // the horizon before it moved holds its runtimes' shared locks, so the rows it may replace stay until it is done.
    const victims = await tx.query<{ ctid: string; runtime_id: string }>(
      `SELECT ctid::text AS ctid, runtime_id FROM usage_events
       WHERE ts < (SELECT raw_before FROM usage_retention) LIMIT $1`,
      [limit],
    );
    if (victims.length === 0) return 0;
    await lockRuntimes(
      tx,
      victims.map((v) => v.runtime_id),
    );
    const [row] = await tx.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM usage_events
         WHERE ctid = ANY ($1::tid[]) AND ts < (SELECT raw_before FROM usage_retention)
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [victims.map((v) => v.ctid)],
    );
    return row?.n ?? 0;
  });
}

/** One round of the job: seal the horizon at now − days, then delete what lies before it in batches. */
export async function runRetention(db: Database, o: RetentionOptions): Promise<RetentionRound> {
  if (o.days <= 0) return { rawBefore: null, deleted: 0, batches: 0, ran: false, busyMs: 0 };
  const batchSize = o.batchSize ?? RETENTION_PACE.batchSize;
  const pauseMs = o.pauseMs ?? RETENTION_PACE.pauseMs;
  const duty = Math.min(1, Math.max(0.01, o.dutyCycle ?? RETENTION_PACE.dutyCycle));
  const now = o.now ?? new Date();
  const rawBefore = await seal(db, new Date(now.getTime() - o.days * 86_400_000));
  let deleted = 0;
  let batches = 0;
  let busyMs = 0;
  while (batches < (o.maxBatches ?? Number.POSITIVE_INFINITY) && !o.stopped?.()) {
    const started = performance.now();
    const n = await deleteBatch(db, batchSize);
    const tookMs = performance.now() - started;
    busyMs += tookMs;
    if (n === null) return { rawBefore, deleted, batches, ran: batches > 0, busyMs };
    batches++;
    deleted += n;
    if (n < batchSize) break;
    const pause = Math.max(pauseMs, (tookMs * (1 - duty)) / duty);
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  }
  return { rawBefore, deleted, batches, ran: true, busyMs };
}
