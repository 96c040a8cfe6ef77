/**
 * The REST half of the store: what each page shows, loaded for the current session, zone and filter. An answer
 * that arrives after the viewer moved on (signed out, changed zone, filter, range or runtime, or asked for a
 * newer overview) is dropped, so a slow answer never overwrites a newer one.
 */
import type { PriceTable } from '../../../shared/pricing';
import type { ActivityRow, GroupedUsageRow, TaskPush, UsageRow } from '../../../shared/schemas';
import type { Snapshot } from '../../../shared/snapshot';
import { hourlyFromRows } from '../lib/activity';
import { FILTER_KEYS, type FilterKey, filterKey } from '../lib/filter';
import type { Answer } from './api';
import { replay } from './live-merge';
import { afterNextPaint } from './next-paint';
import { PushLog } from './seen';
import type { Sessions } from './session';
import type { DetailState, Groups, Loadable, State } from './state';
import { detailFetchDays, loadingGroups, OVERVIEW_DAYS, RUNTIME_SUMMARY_DAYS } from './state';

/** Read and patch access to the store's state. */
export interface StateAccess {
  get(): State;
  set(patch: Partial<State>): void;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why the first of these failed. */
function firstReason(...results: PromiseSettledResult<unknown>[]): unknown {
  return results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
}

function ready<T>(data: T, snapshot?: Snapshot | null): Loadable<T> {
  return snapshot === undefined
    ? { status: 'ready', data, loadedAt: Date.now() }
    : { status: 'ready', data, loadedAt: Date.now(), snapshot };
}

export class Loads {
  /** Numbers overview requests: only the answer to the latest one is shown (a zone change asks again). */
  private overviewRequest = 0;
  /** Numbers requests of the overview's panel, likewise. */
  private groupsRequest = 0;

  /** `fail` turns an error into its message (and signs out on a refused token). */
  constructor(
    private readonly state: StateAccess,
    private readonly sessions: Sessions,
    private readonly fail: (err: unknown) => string,
    /** The pushes merged while a fetch is in flight, replayed onto its answer (see seen.ts). */
    private readonly log: PushLog = new PushLog(),
    /** Likewise the task pushes, replayed onto the hourly activity. */
    private readonly taskLog: PushLog<TaskPush> = new PushLog<TaskPush>(),
  ) {}

  async meta(): Promise<void> {
    const session = this.sessions.current;
    if (!session) return;
    const [me, prices] = await Promise.allSettled([session.api.me(), session.api.pricing()]);
    if (!this.sessions.isCurrent(session)) return;
    this.state.set({
      me: me.status === 'fulfilled' ? ready(me.value) : { status: 'error', message: errorText(me.reason) },
      prices: prices.status === 'fulfilled' ? (prices.value as PriceTable) : {},
    });
  }

  async runtimes(): Promise<void> {
    const session = this.sessions.current;
    if (!session) return;
    try {
      const list = await session.api.runtimes();
      if (this.sessions.isCurrent(session)) this.state.set({ runtimes: ready(list) });
    } catch (err) {
      const message = this.fail(err);
      if (this.sessions.isCurrent(session)) this.state.set({ runtimes: { status: 'error', message } });
    }
  }

  async overview(): Promise<void> {
    const session = this.sessions.current;
    if (!session) return;
    const request = ++this.overviewRequest;
    // A panel answer still on its way belongs to the view being replaced.
    this.groupsRequest++;
    const latest = () => this.sessions.isCurrent(session) && request === this.overviewRequest;
    const { tz, filter } = this.state.get();
    if (this.state.get().overview.status !== 'ready') this.state.set({ overview: { status: 'loading' } });
    const watch = this.log.watch();
    try {
      // Grouped by the hub: never the per runtime × model rows, whose size grows with the fleet.
      const [models, runtimes] = await Promise.all([
        session.api.groups(null, 'model', OVERVIEW_DAYS, tz, filter),
        session.api.groups(null, 'runtime', RUNTIME_SUMMARY_DAYS, tz, filter),
      ]);
      if (latest()) {
        const snapshots = { models: models.snapshot, runtimes: runtimes.snapshot };
        const data = { models: models.data, runtimes: runtimes.data, snapshots };
        const s = this.state.get();
        this.state.set({ overview: ready(replay.overview(s, data, watch.pushes())) });
      }
    } catch (err) {
      const message = this.fail(err);
      if (latest()) this.state.set({ overview: { status: 'error', message } });
    } finally {
      watch.close();
    }
    // The panel is asked after the figures above it, so its three calls never hold up theirs.
    if (latest()) await this.overviewGroups();
  }

  /**
   * The overview's "Where it went". Only asked while the overview is shown: on a runtime page it is marked
   * loading and asked for when that page closes, so it never competes with that page's own calls.
   */
  async overviewGroups(): Promise<void> {
    const session = this.sessions.current;
    if (!session) return;
    const request = ++this.groupsRequest;
    const { tz, filter, detail } = this.state.get();
    if (detail) {
      this.state.set({ overviewGroups: loadingGroups() });
      return;
    }
    const watch = this.log.watch();
    const overviewGroups = await this.groups((by) => session.api.groups(null, by, OVERVIEW_DAYS, tz, filter));
    if (this.sessions.isCurrent(session) && request === this.groupsRequest) {
      const s = this.state.get();
      this.state.set({ overviewGroups: replay.overviewGroups(s, overviewGroups, watch.pushes()) });
    }
    watch.close();
  }

  /** The three groupings of a page, each ready or failed on its own (never rejects). */
  private async groups(get: (by: FilterKey) => Promise<Answer<GroupedUsageRow[]>>): Promise<Groups> {
    const answers = await Promise.allSettled(FILTER_KEYS.map(get));
    const entries = FILTER_KEYS.map((k, i): [FilterKey, Loadable<GroupedUsageRow[]>] => {
      const a = answers[i];
      if (a?.status === 'fulfilled') return [k, ready(a.value.data, a.value.snapshot)];
      return [k, { status: 'error', message: this.fail(a?.reason) }];
    });
    return Object.fromEntries(entries) as Groups;
  }

  /** The open detail page's usage, hourly activity and groups, for its runtime, range, zone and filter. */
  async detail(id: string, days: number): Promise<void> {
    const session = this.sessions.current;
    if (!session) return;
    const { tz, filter } = this.state.get();
    const stillWanted = () => {
      const s = this.state.get();
      return (
        this.sessions.isCurrent(session) &&
        s.detail?.id === id &&
        s.detail.days === days &&
        s.tz === tz &&
        filterKey(s.filter) === filterKey(filter)
      );
    };
    const watch = this.log.watch();
    const taskWatch = this.taskLog.watch();
    const [rows, daily, activity] = await Promise.allSettled([
      session.api.runtimeUsage(id, days, tz, filter),
      session.api.groups(id, 'runtime', detailFetchDays(days), tz, filter),
      // Tasks carry no attribution: the hourly chart is the runtime's whole activity whatever the filter.
      session.api.activity(id, days, tz),
    ]);
    const merged = watch.pushes();
    const mergedTasks = taskWatch.pushes();
    watch.close();
    taskWatch.close();
    if (!stillWanted()) return;
    const usage = (r: Answer<UsageRow[]>, d: Answer<GroupedUsageRow[]>) => {
      const snapshots = { rows: r.snapshot, daily: d.snapshot };
      const data = { rows: r.data, daily: d.data, snapshots };
      return ready(replay.detailUsage(this.state.get(), id, days, data, merged));
    };
    // The task pushes merged while it was fetched, where the answer does not hold them: counted once (issue 15).
    const hourly = ({ data, snapshot }: Answer<ActivityRow[]>) => {
      const counts = { counts: hourlyFromRows(data), seen: new Set<string>() };
      return ready(replay.detailHourly(this.state.get(), id, days, counts, snapshot, mergedTasks), snapshot);
    };
    this.setDetail(id, {
      usage:
        rows.status === 'fulfilled' && daily.status === 'fulfilled'
          ? usage(rows.value, daily.value)
          : { status: 'error', message: this.fail(firstReason(rows, daily)) },
      hourly:
        activity.status === 'fulfilled'
          ? hourly(activity.value)
          : { status: 'error', message: this.fail(activity.reason) },
    });
    // The panel is asked once the charts hold their data and are on screen: its three calls are neither ahead of
    // the charts' answers nor in the task that draws them (issuing them there cost that task ~4 % of its CPU).
    await afterNextPaint();
    if (!stillWanted()) return;
    const groupsWatch = this.log.watch();
    const groups = await this.groups((by) => session.api.groups(id, by, days, tz, filter));
    if (stillWanted())
      this.setDetail(id, {
        groups: replay.detailGroups(this.state.get(), id, days, groups, groupsWatch.pushes()),
      });
    groupsWatch.close();
  }

  private setDetail(id: string, patch: Partial<DetailState>): void {
    const d = this.state.get().detail;
    if (d && d.id === id) this.state.set({ detail: { ...d, ...patch } });
  }
}
