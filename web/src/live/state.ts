/** The dashboard's whole state: what REST answered plus the live deltas merged into it. Replaced, never mutated. */
import type { PriceTable } from '../../../shared/pricing';
import type { GroupedUsageRow, Runtime, UsageRow } from '../../../shared/schemas';
import type { Snapshot } from '../../../shared/snapshot';
import type { HourlyState } from '../lib/activity';
import { FILTER_KEYS, type Filter, type FilterKey } from '../lib/filter';
import type { Me } from './api';
import { BROWSER_ZONE_KEY, TZ_KEY } from './storage-keys';

export type Loadable<T> =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | {
      status: 'ready';
      data: T;
      loadedAt: number;
      /** The snapshot the hub read the answer at (null: it sent none): live pushes it holds are not added again. */
      snapshot?: Snapshot | null;
    };

/** The snapshot of each REST answer a loaded value is made of, by the part it fills (null: the hub sent none). */
export type Snapshots<K extends string> = Partial<Record<K, Snapshot | null>>;

/** `connecting` only before the first connection; afterwards a lost socket is `reconnecting`. */
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** True while the hub is lost after having been reached: what the page shows may be stale. */
export function hubLost(connection: Connection): boolean {
  return connection === 'reconnecting' || connection === 'offline';
}

/** The "Where it went" panel's rows: per local day × project, person and session, over the page's range. */
export type Groups = Record<FilterKey, Loadable<GroupedUsageRow[]>>;

export function loadingGroups(): Groups {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, { status: 'loading' }])) as Groups;
}

/**
 * The overview's usage, grouped by the hub so its size follows the window, not the fleet: per day × model over
 * OVERVIEW_DAYS (KPIs and chart) and per day × runtime over RUNTIME_SUMMARY_DAYS (each runtime's figures). Both
 * are top keys plus `other`, so their sums are exact; a runtime past the top ones is in `other`.
 */
export interface OverviewUsage {
  models: GroupedUsageRow[];
  runtimes: GroupedUsageRow[];
  snapshots?: Snapshots<'models' | 'runtimes'>;
}

/**
 * A runtime page's usage: its rows per day × model over the range shown (charts, models, table), and its
 * per-day totals over twice the range and at least 26 weeks (the previous period's KPIs, the heatmap), which the
 * hub sums (`group_by=runtime`: one key, the runtime), so the page never reads the older days per model.
 */
export interface DetailUsage {
  rows: UsageRow[];
  daily: GroupedUsageRow[];
  snapshots?: Snapshots<'rows' | 'daily'>;
}

export interface DetailState {
  id: string;
  /** The range shown (7, 30, 90 or 365 days). */
  days: number;
  usage: Loadable<DetailUsage>;
  hourly: Loadable<HourlyState>;
  /** Over the range shown (not the comparison period). */
  groups: Groups;
}

export interface State {
  token: string | null;
  /** Why the viewer is on the sign-in page (a refused token), shown there. */
  signInMessage: string | null;
  tz: string;
  me: Loadable<Me>;
  prices: PriceTable;
  runtimes: Loadable<Runtime[]>;
  connection: Connection;
  /** When the hub was lost (ms), while it is; null while live or still connecting. */
  lostSince: number | null;
  /** The page's attribution filter, from the address: every load asks with it, live deltas must match it. */
  filter: Filter;
  overview: Loadable<OverviewUsage>;
  /** The overview's "Where it went", over OVERVIEW_DAYS. */
  overviewGroups: Groups;
  detail: DetailState | null;
  /** When the last usage delta of each runtime arrived (ms), for "no data for 10 min". */
  lastDeltaAt: Readonly<Record<string, number>>;
  /** When this page started watching (ms): staleness is never claimed for a period we did not watch. */
  watchingSince: number;
}

/** The state before anything is loaded: signed in when a token was kept, everything else loading. */
export function initialState(token: string | null, tz: string): State {
  return {
    token,
    signInMessage: null,
    tz,
    me: { status: 'loading' },
    prices: {},
    runtimes: { status: 'loading' },
    connection: 'connecting',
    lostSince: null,
    filter: {},
    overview: { status: 'loading' },
    overviewGroups: loadingGroups(),
    detail: null,
    lastDeltaAt: {},
    watchingSince: Date.now(),
  };
}

/** The workspace overview's window: its chart shows these days, its per-runtime figures the last 7. */
export const OVERVIEW_DAYS = 30;
export const RUNTIME_SUMMARY_DAYS = 7;
export const RANGES = [7, 30, 90, 365] as const;

/** Days to fetch for a detail range: twice the range for the comparison, 26 weeks for the heatmap, ≤ 365. */
export function detailFetchDays(days: number): number {
  return Math.min(365, Math.max(days * 2, 182));
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The zone a page opens in: the address's, else the viewer's saved choice, else the browser's as last seen
 * (asking Intl costs a page tens of milliseconds on its first use, before its first charts; Store.checkBrowserZone
 * confirms the guess once they are drawn), else the browser's, remembered.
 */
export function startZone(storage: Storage, routeTz: string | undefined): string {
  const chosen = routeTz ?? storage.getItem(TZ_KEY);
  if (chosen) return chosen;
  const seen = storage.getItem(BROWSER_ZONE_KEY);
  if (seen) return seen;
  const own = browserZone();
  storage.setItem(BROWSER_ZONE_KEY, own);
  return own;
}

/** The browser's zone when a page that opened in its last-seen one (startZone) must move: it has changed. */
export function movedBrowserZone(storage: Storage, routeTz: string | undefined): string | null {
  if (routeTz ?? storage.getItem(TZ_KEY)) return null;
  const own = browserZone();
  if (storage.getItem(BROWSER_ZONE_KEY) === own) return null;
  storage.setItem(BROWSER_ZONE_KEY, own);
  return own;
}
