/**
 * Live task events into the hourly distribution: a task counts once, at the local hour of
 * coalesce(started_at, created_at), as the hub counts it. A push that says what its commit changed (`previous_at`)
 * moves the task's count exactly: out of the hour it was counted at, into its new one. A push from an older hub
 * (no `previous_at`) counts its task once per id, and its status updates are ignored.
 */
import type { Task, TaskPush } from '../../../shared/schemas';
import { localParts } from '../../../shared/time';

export interface HourlyState {
  /** Exactly 24 counts, index = local hour. */
  counts: number[];
  /** Ids counted from pushes that do not say what they changed (an older hub). */
  seen: ReadonlySet<string>;
}

/** Counts from the hub's 24 rows (missing hours are 0). */
export function hourlyFromRows(rows: readonly { hour: number; count: number }[]): number[] {
  const counts = Array.from({ length: 24 }, () => 0);
  for (const r of rows) if (r.hour >= 0 && r.hour < 24) counts[r.hour] = r.count;
  return counts;
}

/**
 * The local hour a task is counted at, or null when it falls outside the window: before `since` or (when given)
 * after `until`, local dates, as the hub's window ends today.
 */
function hourIn(at: string, tz: string, since: string, until?: string): number | null {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) return null;
  const { date, hour } = localParts(ms, tz);
  return date < since || (until !== undefined && date > until) ? null : hour;
}

/** The time a task is counted at. */
const countedAt = (task: Task) => task.started_at ?? task.created_at;

/**
 * Adds a task to the distribution unless its id was counted or it falls before the window (`since`, a local
 * date). Returns the same state object when nothing changed.
 */
export function countTask(state: HourlyState, task: Task, tz: string, since: string): HourlyState {
  if (state.seen.has(task.id)) return state;
  if (!Number.isFinite(Date.parse(countedAt(task)))) return state;
  const seen = new Set(state.seen).add(task.id);
  const hour = hourIn(countedAt(task), tz, since);
  if (hour === null) return { counts: state.counts, seen };
  const counts = state.counts.slice();
  counts[hour] = (counts[hour] ?? 0) + 1;
  return { counts, seen };
}

/**
 * Merges one task push: with `previous_at`, minus one at the hour it was counted at before the commit (none when
 * the commit created it) and plus one at its new hour, each only inside the window [since, until]; without, as
 * countTask. The
 * caller merges only pushes the state's answer does not hold (seen.ts). The same state object when nothing changed.
 */
export function countPush(
  state: HourlyState,
  push: TaskPush,
  tz: string,
  since: string,
  until?: string,
): HourlyState {
  if (push.previous_at === undefined) return countTask(state, push.task, tz, since);
  const from = push.previous_at === null ? null : hourIn(push.previous_at, tz, since, until);
  const to = hourIn(countedAt(push.task), tz, since, until);
  if (from === to) return state;
  const counts = state.counts.slice();
  if (from !== null) counts[from] = (counts[from] ?? 0) - 1;
  if (to !== null) counts[to] = (counts[to] ?? 0) + 1;
  return { counts, seen: state.seen };
}
