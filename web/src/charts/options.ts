/**
 * uPlot option builders, one per chart. They read their data through a getter so a live update can call
 * setData() on the same plot (tooltips and axis labels then follow the new data without a rebuild).
 */
import uPlot from 'uplot';
import type { DailySeries } from '../lib/aggregate';
import { kindColor, kindLabel, tokenKinds } from '../lib/colors';
import { compact, exact, shortDate, usdCompact, usdPrecise } from '../lib/format';
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

const font = '11px system-ui, sans-serif';

function axes(theme: ChartTheme, x: Partial<uPlot.Axis>, y: Partial<uPlot.Axis>): uPlot.Axis[] {
  const base = { stroke: theme.axis, font, grid: { stroke: theme.grid, width: 1 }, ticks: { show: false } };
  return [
    { ...base, grid: { show: false }, ...x },
    { ...base, size: 52, ...y },
  ];
}

const yFromZero: uPlot.Scale = { range: (_u, _min, max) => zeroBasedRange(max) };

function dayAxis(get: () => { dates: string[] }): Partial<uPlot.Axis> {
  return {
    incrs: dayIncrs,
    space: 56,
    values: (_u, splits) => splits.map((i) => shortDate(get().dates[i] ?? '')),
  };
}

/** Daily tokens as a stacked area of the four kinds (input at the bottom). */
export function dailyTokensChart(get: () => DailySeries, theme: ChartTheme): Built {
  const bands: uPlot.Band[] = [];
  for (let i = 2; i <= tokenKinds.length; i++) bands.push({ series: [i, i - 1] });
  const tooltip = (idx: number) => {
    const s = get();
    const lines: TooltipLine[] = tokenKinds.map((k) => ({
      color: kindColor[k],
      label: kindLabel[k],
      value: exact(s.kinds[k][idx] ?? 0),
    }));
    lines.push({ label: 'Total', value: exact(s.tokens[idx] ?? 0), strong: true });
    return { title: shortDate(s.dates[idx] ?? ''), lines };
  };
  return {
    options: {
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false }, y: yFromZero },
      axes: axes(theme, dayAxis(get), { values: (_u, splits) => splits.map(compact) }),
      series: [
        {},
        ...tokenKinds.map((k) => ({
          label: kindLabel[k],
          stroke: kindColor[k],
          fill: `${kindColor[k]}cc`,
          width: 1.5,
          points: { show: false },
        })),
      ],
      bands,
      plugins: [tooltipPlugin(tooltip)],
    },
    data: tokensData(get()),
  };
}

export function tokensData(s: DailySeries): uPlot.AlignedData {
  return [indices(s.dates.length), ...stack(tokenKinds.map((k) => s.kinds[k]))];
}

interface BarsSpec {
  color: string;
  labels: () => string[];
  values: () => number[];
  incrs: number[];
  /** Minimum pixels between x labels. */
  space: number;
  yValues: (v: number) => string;
  /** Whole-number steps for counts, so no grid line sits between labels. */
  yIncrs?: number[];
  tooltip: (idx: number) => { title: string; lines: TooltipLine[] };
  label: string;
}

function barsChart(spec: BarsSpec, theme: ChartTheme): Built {
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], gap: 1 });
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
      labels: () => get().dates.map(shortDate),
      values: () => get().cost,
      incrs: dayIncrs,
      space: 56,
      yValues: usdCompact,
      tooltip: (idx) => ({
        title: shortDate(get().dates[idx] ?? ''),
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
