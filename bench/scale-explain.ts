/**
 * The history views of the scale scenario, and their query plans: each view's store query run once under
 * `EXPLAIN (ANALYZE, BUFFERS)` on the seeded database, through the store's own function (a Sql wrapper prefixes
 * the statement), so the plan is the plan of the query the hub runs — whatever the store does next. The default
 * rows are paged: their plans are the statements of the first page (the estimate, then each read of days).
 */
import { historyWindow } from '../server/http/history-window';
import { type Database, type Sql, usageByGroup, usagePage } from '../server/store';
import type { GroupBy } from '../shared';
import type { ScaleFleet } from './scale-seed';

export interface ScaleView {
  id: string;
  label: string;
  runtime: boolean;
  days: number;
  tz: string;
  groupBy?: GroupBy;
  /** The goal for the uncached p99 at 5M events. */
  p99TargetMs: number;
}

export const SCALE_VIEWS: ScaleView[] = [
  {
    id: 'ws30_utc',
    label: 'workspace 30 d UTC, default rows (first page)',
    runtime: false,
    days: 30,
    tz: 'UTC',
    p99TargetMs: 50,
  },
  {
    id: 'ws30_utc_model',
    label: 'workspace 30 d UTC, group_by=model',
    runtime: false,
    days: 30,
    tz: 'UTC',
    groupBy: 'model',
    p99TargetMs: 50,
  },
  {
    id: 'ws365_la',
    label: 'workspace 365 d America/Los_Angeles, default rows (first page)',
    runtime: false,
    days: 365,
    tz: 'America/Los_Angeles',
    p99TargetMs: 200,
  },
  {
    id: 'ws365_la_model',
    label: 'workspace 365 d America/Los_Angeles, group_by=model',
    runtime: false,
    days: 365,
    tz: 'America/Los_Angeles',
    groupBy: 'model',
    p99TargetMs: 200,
  },
  {
    id: 'rt90_kolkata',
    label: 'busy runtime 90 d Asia/Kolkata',
    runtime: true,
    days: 90,
    tz: 'Asia/Kolkata',
    p99TargetMs: 50,
  },
];

/** The view whose every page the scenario walks (informative: no goal). */
export const PAGES_WALK_VIEW = SCALE_VIEWS.find((v) => v.id === 'ws365_la')!;

export interface ViewPlan {
  view: string;
  plan: string;
}

/**
 * A Sql that keeps every statement's plan lines (ANALYZE executes it) and then answers its rows (run again), so a
 * caller that reads its answers to choose the next statement (a page of the default rows) runs as the hub does.
 */
export function explaining(db: Database, lines: string[]): Sql {
  return {
    async query<T>(text: string, params?: unknown[]) {
      const rows = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
      lines.push(...rows.map((r) => r['QUERY PLAN']), '');
      return db.query<T>(text, params);
    },
    exec: (text) => db.exec(text),
  };
}

/** The plan of each view's query, as the hub runs it. */
export async function explainViews(db: Database, fleet: ScaleFleet, enabled: boolean): Promise<ViewPlan[]> {
  if (!enabled) return [];
  const plans: ViewPlan[] = [];
  for (const view of SCALE_VIEWS) {
    const lines: string[] = [];
    const w = historyWindow(view.days, view.tz);
    const sql = explaining(db, lines);
    const runtimeId = view.runtime ? fleet.busyRuntimeId : null;
    if (view.groupBy) await usageByGroup(sql, fleet.workspaceId, runtimeId, w, view.groupBy);
    else await usagePage(sql, fleet.workspaceId, runtimeId, w);
    plans.push({ view: view.id, plan: lines.join('\n') });
  }
  return plans;
}
