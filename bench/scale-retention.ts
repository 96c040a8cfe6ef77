/**
 * Retention at scale: one round of the raw-usage retention job (bounded batches, as the hub's job runs it) on the
 * largest seeded database while daemons keep sending, so the cost to ingest shows; and the busy runtime's view of
 * the days before the horizon, read by the store's own view query before and after, must not move.
 */
import { historyWindow } from '../server/http/history-window';
import { type Database, runRetention, usageByDay } from '../server/store';
import type { ScaleFleet } from './scale-seed';

export interface RetentionMeasure {
  days: number;
  deleted: number;
  batches: number;
  seconds: number;
  /** Ingest measured just before the round (the paired baseline) and while it ran. */
  ingestBeforeEventsPerS: number;
  ingestEventsPerS: number;
  /** Share of the round's time spent in batches (the job's duty cycle paces the rest). */
  busyShare: number;
  ingestErrors: Record<string, number>;
  /** Rows of days before the horizon compared, and whether every one was equal. */
  comparedRows: number;
  oldDaysEqual: boolean;
}

export async function measureRetention(o: {
  db: Database;
  fleet: ScaleFleet;
  days: number;
  ingest: () => Promise<{ eventsPerS: number; errors: Record<string, number> }>;
}): Promise<RetentionMeasure> {
  const before = await usageByDay(
    o.db,
    o.fleet.workspaceId,
    o.fleet.busyRuntimeId,
    historyWindow(365, 'UTC'),
  );
  const without = await o.ingest();
  const started = performance.now();
  let seconds = 0;
  const round = runRetention(o.db, { days: o.days }).finally(() => {
    seconds = (performance.now() - started) / 1000;
  });
  const [r, ingest] = await Promise.all([round, o.ingest()]);
  const after = await usageByDay(o.db, o.fleet.workspaceId, o.fleet.busyRuntimeId, historyWindow(365, 'UTC'));
  // Days strictly before the horizon's date (the horizon's own day still has raw events after it).
  const horizonDate = (r.rawBefore ?? '').slice(0, 10);
  const old = (rows: typeof before) => JSON.stringify(rows.filter((x) => x.date < horizonDate));
  return {
    days: o.days,
    deleted: r.deleted,
    batches: r.batches,
    seconds,
    ingestBeforeEventsPerS: without.eventsPerS,
    ingestEventsPerS: ingest.eventsPerS,
    busyShare: seconds > 0 ? r.busyMs / 1000 / seconds : 0,
    ingestErrors: ingest.errors,
    comparedRows: before.filter((x) => x.date < horizonDate).length,
    oldDaysEqual: old(before) === old(after),
  };
}
