/**
 * What the runtime page computes from its answers, in two parts: what its charts draw (the first render with
 * data runs only this, so the charts reach the screen sooner) and the rest (KPIs, models, heatmap, table,
 * colours), computed for the render one paint later.
 */
import { localDate } from '../../../shared/time';
import type { DayAmount } from '../components/Heatmap';
import { tableOrder } from '../components/UsageTable';
import {
  byModel,
  type DailySeries,
  dailySeries,
  rowTokens,
  splitPeriods,
  type Totals,
  totalsOf,
} from '../lib/aggregate';
import { assignModelColors } from '../lib/colors';
import type { DetailUsage } from '../live/state';

export interface ChartsView {
  series: DailySeries;
  /** Tokens of the range's rows (0: the panels say there was no usage instead of drawing empty axes). */
  tokens: number;
}

/** The range's days, one point each, from its rows per model. */
export function chartsView(data: DetailUsage, days: number, tz: string): ChartsView {
  const p = splitPeriods(data.rows, days, tz);
  let tokens = 0;
  for (const r of p.current) tokens += rowTokens(r);
  return { series: dailySeries(p.current, p.dates), tokens };
}

export interface RestView {
  current: Totals;
  previous: Totals | undefined;
  models: ReturnType<typeof byModel>;
  heat: Map<string, DayAmount>;
  table: ReturnType<typeof tableOrder>;
  today: string;
  colors: ReturnType<typeof assignModelColors>;
}

/** The KPIs against the previous period, the models, the heatmap's days, the table and the models' colours. */
export function restView(data: DetailUsage, days: number, tz: string): RestView {
  // The range per model; the days before it only as per-day totals (the comparison and the heatmap).
  const p = splitPeriods(data.rows, days, tz);
  const daily = splitPeriods(data.daily, days, tz);
  const heat = new Map<string, DayAmount>();
  // The range's days from its rows per model (a model of unknown price leaves the others' cost counted); the
  // days before it from the hub's per-day totals.
  const rangeStart = p.dates[0] ?? '';
  for (const r of [...data.rows, ...data.daily.filter((d) => d.date < rangeStart)]) {
    const a = heat.get(r.date) ?? { tokens: 0, cost: 0 };
    a.tokens += rowTokens(r);
    a.cost += r.cost_usd ?? 0;
    heat.set(r.date, a);
  }
  return {
    current: totalsOf(p.current),
    // 365 days is the hub's limit, so that range has no previous period to compare with.
    previous: days * 2 <= 365 ? totalsOf(daily.previous) : undefined,
    models: byModel(p.current),
    heat,
    table: tableOrder(p.current),
    today: localDate(Date.now(), tz),
    // Every model of the range (known families keep their colour whatever the range).
    colors: assignModelColors(data.rows.map((r) => r.model)),
  };
}
