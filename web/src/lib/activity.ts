/**
 * Live task events into the hourly distribution: a task counts once, at the local hour of
 * coalesce(started_at, created_at), as the hub counts it. Status updates of a task already seen are ignored.
 */
import type { Task } from '../../../shared/schemas';
import { localParts } from '../../../shared/time';

export interface HourlyState {
  /** Exactly 24 counts, index = local hour. */
  counts: number[];
  seen: ReadonlySet<string>;
}

/** Counts from the hub's 24 rows (missing hours are 0). */
export function hourlyFromRows(rows: readonly { hour: number; count: number }[]): number[] {
  const counts = Array.from({ length: 24 }, () => 0);
  for (const r of rows) if (r.hour >= 0 && r.hour < 24) counts[r.hour] = r.count;
  return counts;
}

/**
 * Adds a task to the distribution unless its id was counted or it falls before the window (`since`, a local
 * date). Returns the same state object when nothing changed.
 */
export function countTask(state: HourlyState, task: Task, tz: string, since: string): HourlyState {
  if (state.seen.has(task.id)) return state;
  const at = Date.parse(task.started_at ?? task.created_at);
  if (!Number.isFinite(at)) return state;
  const { date, hour } = localParts(at, tz);
  const seen = new Set(state.seen).add(task.id);
  if (date < since) return { counts: state.counts, seen };
  const counts = state.counts.slice();
  counts[hour] = (counts[hour] ?? 0) + 1;
  return { counts, seen };
}
