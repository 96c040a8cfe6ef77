/**
 * The history views of the scale scenario, and their query plans: each view's store query run once under
 * `EXPLAIN (ANALYZE, BUFFERS)` on the seeded database, through the store's own function (a Sql wrapper prefixes
 * the statement), so the plan is the plan of the query the hub runs — whatever the store does next.
 */
import { historyWindow } from '../server/http/history-window';
import { type Database, type Sql, usageByDay, usageByGroup } from '../server/store';
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
  { id: 'ws30_utc', label: 'workspace 30 d UTC', runtime: false, days: 30, tz: 'UTC', p99TargetMs: 50 },
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
    label: 'workspace 365 d America/Los_Angeles',
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

export interface ViewPlan {
  view: string;
  plan: string;
}

/** A Sql that answers every statement with its plan lines (the statement runs: ANALYZE executes it). */
export function explaining(db: Database, lines: string[]): Sql {
  return {
    async query<T>(text: string, params?: unknown[]) {
      const rows = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
      lines.push(...rows.map((r) => r['QUERY PLAN']));
      return [] as T[];
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
    else await usageByDay(sql, fleet.workspaceId, runtimeId, w);
    plans.push({ view: view.id, plan: lines.join('\n') });
  }
  return plans;
}
