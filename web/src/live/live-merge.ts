/**
 * The live half of the store: socket events are queued and merged into the state once per animation frame,
 * so a burst of deltas costs one redraw. The merge itself is pure: queued events in, a state patch out.
 */
import type { Runtime, TaskPush, UsagePush } from '../../../shared/schemas';
import type { Snapshot } from '../../../shared/snapshot';
import { windowDates } from '../../../shared/time';
import { countPush, type HourlyState } from '../lib/activity';
import { type GroupMergeOptions, mergeGrouped } from '../lib/attribution';
import { FILTER_KEYS, type Filter, isEmptyFilter, matchesFilter } from '../lib/filter';
import { mergeUsage } from '../lib/merge';
import { unseen } from './seen';
import type { DetailState, DetailUsage, Groups, State } from './state';
import { detailFetchDays, OVERVIEW_DAYS, type OverviewUsage, RUNTIME_SUMMARY_DAYS } from './state';

/** Events received since the last merge. */
export interface LiveBatch {
  usage: UsagePush[];
  tasks: TaskPush[];
  /** Latest version of each runtime, by id. */
  runtimes: Map<string, Runtime>;
}

/** Queues live events and hands them, all at once, to `apply` at the next frame (or timer, in a hidden tab). */
export class LiveQueue {
  private batch: LiveBatch = emptyBatch();
  private frame: number | null = null;

  constructor(private readonly apply: (batch: LiveBatch) => void) {}

  runtime(r: Runtime): void {
    this.batch.runtimes.set(r.id, r);
    this.schedule();
  }

  usage(p: UsagePush): void {
    this.batch.usage.push(p);
    this.schedule();
  }

  task(p: TaskPush): void {
    this.batch.tasks.push(p);
    this.schedule();
  }

  /** Applies every queued event now. */
  flush(): void {
    this.frame = null;
    const batch = this.batch;
    this.batch = emptyBatch();
    this.apply(batch);
  }

  private schedule(): void {
    if (this.frame !== null) return;
    // A hidden tab gets no animation frames; a timer keeps its numbers right for when it is shown again.
    if (typeof document !== 'undefined' && document.hidden) {
      this.frame = window.setTimeout(() => this.flush(), 250) as unknown as number;
    } else {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }
}

function emptyBatch(): LiveBatch {
  return { usage: [], tasks: [], runtimes: new Map() };
}

/** The pushes with only the deltas the page's filter keeps (the same list when nothing is filtered). */
export function filterPushes(pushes: UsagePush[], filter: Filter): UsagePush[] {
  if (isEmptyFilter(filter)) return pushes;
  return pushes
    .map((p) => ({ ...p, deltas: p.deltas.filter((d) => matchesFilter(d, filter)) }))
    .filter((p) => p.deltas.length > 0);
}

/** The state patch that merges a batch of live events (empty when nothing shown changes). */
export function mergeLive(s: State, batch: LiveBatch): Partial<State> {
  const patch: Partial<State> = {};
  if (batch.runtimes.size > 0 && s.runtimes.status === 'ready')
    patch.runtimes = { ...s.runtimes, data: upsertRuntimes(s.runtimes.data, batch.runtimes) };
  if (batch.usage.length > 0) {
    const now = Date.now();
    const lastDeltaAt = { ...s.lastDeltaAt };
    // A runtime that reports is not quiet, whatever the page shows of it.
    for (const p of batch.usage) lastDeltaAt[p.runtime_id] = now;
    patch.lastDeltaAt = lastDeltaAt;
  }
  const usage = filterPushes(batch.usage, s.filter);
  if (usage.length > 0) {
    const since = windowDates(OVERVIEW_DAYS, s.tz).at(-1);
    if (s.overview.status === 'ready') {
      const data = mergeOverview(s.overview.data, usage, s.tz);
      if (data !== s.overview.data) patch.overview = { ...s.overview, data };
    }
    const groups = mergeGroups(s.overviewGroups, usage, { tz: s.tz, since });
    if (groups !== s.overviewGroups) patch.overviewGroups = groups;
  }
  const detail = s.detail && mergeDetail(s, s.detail, { ...batch, usage });
  if (detail && detail !== s.detail) patch.detail = detail;
  return patch;
}

/**
 * The overview's model and runtime rows with the pushes each answer does not hold yet added (the same object when
 * none changes).
 */
function mergeOverview(o: OverviewUsage, pushes: UsagePush[], tz: string): OverviewUsage {
  const models = mergeGrouped(o.models, unseen(pushes, o.snapshots?.models), 'model', {
    tz,
    since: windowDates(OVERVIEW_DAYS, tz).at(-1),
  });
  const runtimes = mergeGrouped(o.runtimes, unseen(pushes, o.snapshots?.runtimes), 'runtime', {
    tz,
    since: windowDates(RUNTIME_SUMMARY_DAYS, tz).at(-1),
  });
  return models === o.models && runtimes === o.runtimes ? o : { ...o, models, runtimes };
}

/** Each loaded grouping with the pushes its answer does not hold yet added (the same object when none changes). */
function mergeGroups(groups: Groups, pushes: UsagePush[], opts: GroupMergeOptions): Groups {
  let next = groups;
  for (const dim of FILTER_KEYS) {
    const g = groups[dim];
    if (g.status !== 'ready') continue;
    const data = mergeGrouped(g.data, unseen(pushes, g.snapshot), dim, opts);
    if (data !== g.data) next = { ...next, [dim]: { ...g, data } };
  }
  return next;
}

/** A runtime page's rows and daily totals with its pushes each answer does not hold yet added. */
function mergeDetailUsage(u: DetailUsage, mine: UsagePush[], tz: string, days: number): DetailUsage {
  const rows = mergeUsage(u.rows, unseen(mine, u.snapshots?.rows), {
    tz,
    since: windowDates(days, tz).at(-1),
  });
  const daily = mergeGrouped(u.daily, unseen(mine, u.snapshots?.daily), 'runtime', {
    tz,
    since: windowDates(detailFetchDays(days), tz).at(-1),
  });
  return rows === u.rows && daily === u.daily ? u : { ...u, rows, daily };
}

/**
 * Replays onto fresh answers the pushes merged while they were fetched (PushLog): each answer takes those it does
 * not hold (its snapshot says which), narrowed to the page's filter as live merging does.
 */
export const replay = {
  overview: (s: State, o: OverviewUsage, pushes: UsagePush[]) =>
    mergeOverview(o, filterPushes(pushes, s.filter), s.tz),
  overviewGroups: (s: State, groups: Groups, pushes: UsagePush[]) =>
    mergeGroups(groups, filterPushes(pushes, s.filter), {
      tz: s.tz,
      since: windowDates(OVERVIEW_DAYS, s.tz).at(-1),
    }),
  detailUsage: (s: State, id: string, days: number, u: DetailUsage, pushes: UsagePush[]) =>
    mergeDetailUsage(u, ofRuntime(filterPushes(pushes, s.filter), id), s.tz, days),
  detailGroups: (s: State, id: string, days: number, groups: Groups, pushes: UsagePush[]) =>
    mergeGroups(groups, ofRuntime(filterPushes(pushes, s.filter), id), {
      tz: s.tz,
      since: windowDates(days, s.tz).at(-1),
    }),
  /** Tasks carry no attribution: never filtered. */
  detailHourly: (
    s: State,
    id: string,
    days: number,
    h: HourlyState,
    at: Snapshot | null,
    pushes: TaskPush[],
  ) => mergeHourly(h, at, pushes, id, s.tz, days),
};

/**
 * The runtime page's hourly task counts with the task pushes of runtime `id` its answer (read at `at`) does not
 * hold merged (the same object when none changes).
 */
function mergeHourly(
  h: HourlyState,
  at: Snapshot | null | undefined,
  pushes: TaskPush[],
  id: string,
  tz: string,
  days: number,
): HourlyState {
  const dates = windowDates(days, tz);
  const since = dates.at(-1) ?? '';
  let next = h;
  for (const p of unseen(ofRuntime(pushes, id), at)) next = countPush(next, p, tz, since, dates[0]);
  return next;
}

const ofRuntime = <P extends { runtime_id: string }>(pushes: P[], id: string) =>
  pushes.filter((p) => p.runtime_id === id);

/** Known runtimes replaced in place, new ones appended. */
function upsertRuntimes(list: readonly Runtime[], updates: Map<string, Runtime>): Runtime[] {
  const next = list.map((r) => updates.get(r.id) ?? r);
  const known = new Set(next.map((r) => r.id));
  for (const r of updates.values()) if (!known.has(r.id)) next.push(r);
  return next;
}

/**
 * The detail page's rows, groups and hourly tasks with this runtime's events added (the same object if none
 * apply); `batch.usage` is already narrowed to the page's filter.
 */
function mergeDetail(s: State, d: DetailState, batch: LiveBatch): DetailState {
  let next = d;
  const mine = batch.usage.filter((p) => p.runtime_id === d.id);
  if (mine.length > 0 && d.usage.status === 'ready') {
    const data = mergeDetailUsage(d.usage.data, mine, s.tz, d.days);
    if (data !== d.usage.data) next = { ...next, usage: { ...d.usage, data } };
  }
  if (mine.length > 0) {
    const since = windowDates(d.days, s.tz).at(-1);
    const groups = mergeGroups(d.groups, mine, { tz: s.tz, since });
    if (groups !== d.groups) next = { ...next, groups };
  }
  if (batch.tasks.length > 0 && d.hourly.status === 'ready') {
    const h = mergeHourly(d.hourly.data, d.hourly.snapshot, batch.tasks, d.id, s.tz, d.days);
    if (h !== d.hourly.data) next = { ...next, hourly: { ...d.hourly, data: h } };
  }
  return next;
}
