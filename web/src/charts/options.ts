/**
 * uPlot option builders, one per chart. They read their data through a getter so a live update can call
 * setData() on the same plot (tooltips and axis labels then follow the new data without a rebuild).
 */
import uPlot from 'uplot';
import type { DailySeries } from '../lib/aggregate';
import { kindColor, kindLabel, tokenKinds } from '../lib/colors';
import { compact, dayLabel, exact, shortDate, usdCompact, usdPrecise } from '../lib/format';
import { dayIncrs, hourIncrs, indices, stack, zeroBasedRange } from './series';
import type { TooltipLine } from './tooltip';
import { tooltipPlugin } from './tooltip';

export interface ChartTheme {
  axis: string;
  grid: string;
}

export interface Built {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
}

/** The charts' axis text (also laid out once early by components/first-layout.ts). */
export const CHART_FONT = '11px system-ui, sans-serif';

function axes(theme: ChartTheme, x: Partial<uPlot.Axis>, y: Partial<uPlot.Axis>): uPlot.Axis[] {
  const base = {
    stroke: theme.axis,
    font: CHART_FONT,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { show: false },
  };
  return [
    { ...base, grid: { show: false }, ...x },
    { ...base, size: 52, ...y },
  ];
}

const yFromZero: uPlot.Scale = { range: (_u, _min, max) => zeroBasedRange(max) };

/** A range this long crosses into another year often enough that every label names its year. */
const LONG_RANGE_DAYS = 100;

/** `4 Nov`, or `4 Nov '26` on long ranges. */
export function dayTick(dates: readonly string[], i: number): string {
  const date = dates[i] ?? '';
  return dates.length > LONG_RANGE_DAYS && date ? `${shortDate(date)} '${date.slice(2, 4)}` : shortDate(date);
}

function dayAxis(get: () => { dates: string[] }): Partial<uPlot.Axis> {
  return {
    incrs: dayIncrs,
    space: (_u: uPlot, _axis: number, _min: number, _max: number, _dim: number) =>
      get().dates.length > LONG_RANGE_DAYS ? 76 : 56,
    values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? dayTick(get().dates, i) : '')),
  };
}

/**
 * Bars of a day: most of the slot, at most 48 px, and at least 2 px, so a year of days still shows every
 * bar (neighbours then touch) instead of hairlines.
 */
const dayBars = () => uPlot.paths.bars?.({ size: [0.75, 48, 2], gap: 0 });

/**
 * Daily tokens as stacked bars of the four kinds (input at the bottom): a day is a bucket, so bars read true
 * where lines between days would draw ramps. Each series holds a running sum and the tallest is drawn first,
 * so every kind shows as its own segment.
 */
export function dailyTokensChart(get: () => DailySeries, theme: ChartTheme): Built {
  const tooltip = (idx: number) => {
    const s = get();
    const lines: TooltipLine[] = tokenKinds.map((k) => ({
      color: kindColor[k],
      label: kindLabel[k],
      value: exact(s.kinds[k][idx] ?? 0),
    }));
    lines.push({ label: 'Total', value: exact(s.tokens[idx] ?? 0), strong: true });
    return { title: dayLabel(s.dates[idx] ?? ''), lines };
  };
  const bars = dayBars();
  return {
    options: {
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(1, get().dates.length) - 0.5] },
        y: yFromZero,
      },
      axes: axes(theme, dayAxis(get), { values: (_u, splits) => splits.map(compact) }),
      series: [
        {},
        ...[...tokenKinds].reverse().map((k) => ({
          label: kindLabel[k],
          stroke: kindColor[k],
          fill: kindColor[k],
          width: 0,
          paths: bars,
          points: { show: false },
        })),
      ],
      plugins: [tooltipPlugin(tooltip)],
    },
    data: tokensData(get()),
  };
}

/** x, then the running sums top-down (the order the series are drawn in). */
export function tokensData(s: DailySeries): uPlot.AlignedData {
  return [indices(s.dates.length), ...stack(tokenKinds.map((k) => s.kinds[k])).reverse()];
}

interface BarsSpec {
  color: string;
  labels: () => string[];
  values: () => number[];
  incrs: number[];
  /** Minimum pixels between x labels. */
  space: number;
  /** The bar shape (uPlot's default: 70% of the slot, at most 48 px). */
  paths?: uPlot.Series.PathBuilder | undefined;
  yValues: (v: number) => string;
  /** Whole-number steps for counts, so no grid line sits between labels. */
  yIncrs?: number[];
  tooltip: (idx: number) => { title: string; lines: TooltipLine[] };
  label: string;
}

function barsChart(spec: BarsSpec, theme: ChartTheme): Built {
  const bars = spec.paths ?? uPlot.paths.bars?.({ size: [0.7, 48], gap: 1 });
  return {
    options: {
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(1, spec.labels().length) - 0.5] },
        y: yFromZero,
      },
      axes: axes(
        theme,
        {
          incrs: spec.incrs,
          space: spec.space,
          values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (spec.labels()[i] ?? '') : '')),
        },
        { values: (_u, splits) => splits.map(spec.yValues), ...(spec.yIncrs ? { incrs: spec.yIncrs } : {}) },
      ),
      series: [
        {},
        {
          label: spec.label,
          stroke: spec.color,
          fill: spec.color,
          width: 0,
          paths: bars,
          points: { show: false },
        },
      ],
      plugins: [tooltipPlugin(spec.tooltip)],
    },
    data: [indices(spec.labels().length), spec.values()],
  };
}

/** Daily cost as bars, USD. */
export function dailyCostChart(get: () => DailySeries, color: string, theme: ChartTheme): Built {
  return barsChart(
    {
      color,
      label: 'Cost',
      labels: () => get().dates.map((_d, i, dates) => dayTick(dates, i)),
      values: () => get().cost,
      incrs: dayIncrs,
      space: get().dates.length > LONG_RANGE_DAYS ? 76 : 56,
      paths: dayBars(),
      yValues: usdCompact,
      tooltip: (idx) => ({
        title: dayLabel(get().dates[idx] ?? ''),
        lines: [{ color, label: 'Cost', value: usdPrecise(get().cost[idx] ?? 0) }],
      }),
    },
    theme,
  );
}

const countIncrs = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6].map((p) => m * p))
  .sort((a, b) => a - b);

export const hourLabels = indices(24).map((h) => String(h));

/** Tasks per local hour of the day, 24 bars from zero. */
export function hourlyChart(get: () => number[], color: string, theme: ChartTheme): Built {
  return barsChart(
    {
      color,
      label: 'Tasks',
      labels: () => hourLabels,
      values: get,
      incrs: hourIncrs,
      // Every hour labelled when the chart is wide enough, every 2nd or 3rd on a phone.
      space: 16,
      yValues: compact,
      yIncrs: countIncrs,
      tooltip: (idx) => ({
        title: `${String(idx).padStart(2, '0')}:00–${String(idx).padStart(2, '0')}:59`,
        lines: [{ color, label: 'Tasks', value: exact(get()[idx] ?? 0) }],
      }),
    },
    theme,
  );
}
