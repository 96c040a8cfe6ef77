/**
 * The runtime levels (usage_runtime_hourly_rolled, usage_runtime_daily_rolled) behind a watermark, `levels_from` (migration 013):
 * a usage commit writes its quarters at or after it to usage_quarter and the workspace levels only — at one call in
 * flight per socket a fleet's commits are one serial chain, and the two runtime levels were a fifth of the write
 * function's database CPU (BENCHMARKS.md, session 10, hP's ablation) — and the roll step below brings the levels up
 * to the current UTC hour, once an hour, from usage_quarter. Readers read the views usage_runtime_hourly and
 * usage_runtime_daily (levels before the watermark, usage_quarter at or after it), one statement each.
 *
 * Exactness at the boundary: every usage write (and every lockRuntimes holder: reprice, daily totals, retention)
 * holds LEVELS_LOCK shared from before it reads the watermark until it commits; the roll takes it exclusively, so it
 * waits out every commit in flight and no commit reads the watermark until the roll committed. Under it the roll
 * reads usage_quarter with a snapshot that has every earlier commit, adds [old, new) to both levels and moves the
 * watermark in one transaction: an hour is in the levels or after the watermark, never both, never neither. A late
 * event (before the watermark) goes to the levels as it did; a future one (clock skew) stays in usage_quarter until
 * the watermark passes its hour.
 */
import type { Logger } from 'pino';
import type { Database } from './database';
import { ROLLUP_SUMS } from './usage-columns';

/** Advisory-lock key of the runtime levels' watermark: shared by writers, exclusive by the roll. */
export const LEVELS_LOCK = 7_263_019_023;

/** At most this many hours per roll transaction, so a roll after a long pause holds writers out briefly. */
const HOURS_PER_ROLL = 24;

const upsert = (table: string, time: string) =>
  `INSERT INTO ${table} AS h (runtime_id, ${time}, provider, model, ${ROLLUP_SUMS.join(', ')})`;
const onConflict = (time: string) =>
  `ON CONFLICT (runtime_id, ${time}, provider, model) DO UPDATE SET
     ${ROLLUP_SUMS.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')}`;

/** [$1, $2): usage_quarter's rows added to both runtime levels, and the watermark moved to $2. */
const ROLL = `WITH q AS (
    SELECT runtime_id, date_trunc('hour', bucket, 'UTC') AS hour, provider, model,
           ${ROLLUP_SUMS.map((c) => `sum(${c}) AS ${c}`).join(', ')}
    FROM usage_quarter WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz
    GROUP BY 1, 2, 3, 4
  ),
  hourly AS (
    ${upsert('usage_runtime_hourly_rolled', 'hour')}
    SELECT * FROM q ORDER BY 1, 2, 3, 4
    ${onConflict('hour')}
    RETURNING 1
  ),
  daily AS (
    ${upsert('usage_runtime_daily_rolled', 'day')}
    SELECT runtime_id, (hour AT TIME ZONE 'UTC')::date, provider, model, ${ROLLUP_SUMS.map((c) => `sum(${c})`).join(', ')}
    FROM q GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ${onConflict('day')}
    RETURNING 1
  )
  UPDATE usage_runtime_levels SET levels_from = $2::timestamptz
  WHERE (SELECT count(*) FROM hourly) + (SELECT count(*) FROM daily) >= 0
  RETURNING (SELECT count(*) FROM hourly)::int AS hours`;

export interface RollResult {
  /** The watermark before and after (ISO). */
  from: string;
  to: string;
  /** Rows the hourly level received. */
  rows: number;
}

/** The watermark (ISO). */
export async function levelsFrom(db: Database): Promise<string> {
  const [row] = await db.query<{ ms: number }>(
    'SELECT (extract(epoch FROM levels_from) * 1000)::float8 AS ms FROM usage_runtime_levels',
  );
  return new Date(row!.ms).toISOString();
}

/**
 * Moves the watermark up to the UTC hour of `until` (default: the database's now), at most HOURS_PER_ROLL hours per
 * transaction; null when it was there already. Safe on several nodes at once: the second finds it moved.
 */
export async function rollRuntimeLevels(db: Database, until?: Date): Promise<RollResult | null> {
  let result = null as RollResult | null;
  for (;;) {
    const step = await db.transaction(async (tx) => {
      const target = `date_trunc('hour', coalesce($1::timestamptz, now()), 'UTC')`;
      const [due] = await tx.query<{ due: boolean }>(
        `SELECT levels_from < ${target} AS due FROM usage_runtime_levels`,
        [until?.toISOString() ?? null],
      );
      if (!due?.due) return null;
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LEVELS_LOCK]);
      // Read again under the lock: another node may have rolled meanwhile.
      const [span] = await tx.query<{ lo: number; hi: number; more: boolean }>(
        `SELECT (extract(epoch FROM levels_from) * 1000)::float8 AS lo,
                (extract(epoch FROM least(${target}, levels_from + $2::int * interval '1 hour')) * 1000)::float8 AS hi,
                levels_from + $2::int * interval '1 hour' < ${target} AS more
         FROM usage_runtime_levels`,
        [until?.toISOString() ?? null, HOURS_PER_ROLL],
      );
      if (!span || span.hi <= span.lo) return null;
      const from = new Date(span.lo).toISOString();
      const to = new Date(span.hi).toISOString();
      const [row] = await tx.query<{ hours: number }>(ROLL, [from, to]);
      return { from, to, rows: row?.hours ?? 0, more: span.more };
    });
    if (step === null) return result;
    result = { from: result?.from ?? step.from, to: step.to, rows: (result?.rows ?? 0) + step.rows };
    if (!step.more) return result;
  }
}

const HOUR_MS = 3_600_000;

/**
 * The roll on a timer: at start-up, then every `intervalMs`. A round sends nothing to the database until the hour
 * (by this node's clock) has turned since its last round that succeeded: the levels were rolled to that hour then,
 * and every minute's check was a transaction of its own on every node (and counted among the statements of whatever
 * ran beside it, as tests count them). A clock ahead of the database's delays a
 * roll by the skew at most; the views stay exact whatever the watermark.
 */
export class RuntimeLevelsJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Start (ms) of the hour of the last round that succeeded. */
  private rolledHour: number | undefined;

  constructor(
    private readonly db: Database,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One roll now (tests, and the timer). */
  async round(): Promise<void> {
    const hour = Math.floor(this.now() / HOUR_MS) * HOUR_MS;
    if (hour === this.rolledHour) return;
    try {
      const r = await rollRuntimeLevels(this.db);
      this.rolledHour = hour;
      if (r) this.logger.debug({ ...r }, 'runtime usage levels rolled');
    } catch (err) {
      this.logger.warn({ err }, 'runtime usage levels roll failed; the next round goes on');
    }
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }
}
