/**
 * The three chart components of the dashboard (daily tokens, daily cost, tasks per hour), each a uPlot plus its
 * legend and its data table as the text alternative.
 */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { DataTable } from '../components/DataTable';
import type { DailySeries } from '../lib/aggregate';
import { costColor, kindColor, kindLabel, tokenKinds } from '../lib/colors';
import { dayLabel, exact, usdPrecise } from '../lib/format';
import type { ChartTheme } from './options';
import { dailyCostChart, dailyTokensChart, hourlyChart, tokensData } from './options';
import { indices } from './series';
import { UPlotChart } from './UPlotChart';

/** Keeps the latest value in a ref so a built plot's closures read fresh data after setData. */
function useLatest<T>(value: T): () => T {
  const ref = useRef(value);
  ref.current = value;
  const get = useRef(() => ref.current);
  return get.current;
}

function KindLegend() {
  return (
    <ul class="legend" aria-hidden="true">
      {tokenKinds.map((k) => (
        <li key={k}>
          <span class="swatch" style={{ background: kindColor[k] }} />
          {kindLabel[k]}
        </li>
      ))}
    </ul>
  );
}

export function DailyTokensChart({ series, label }: { series: DailySeries; label: string }) {
  const get = useLatest(series);
  const build = useRef((theme: ChartTheme) => dailyTokensChart(get, theme)).current;
  const rows = indices(series.dates.length).reverse();
  return (
    <>
      <KindLegend />
      <UPlotChart
        build={build}
        data={useMemo(() => tokensData(series), [series])}
        shapeKey={`t${series.dates.length}`}
        label={label}
      />
      <DataTable
        summary="Data table"
        rowKey={(i) => series.dates[i] ?? String(i)}
        rows={rows}
        columns={[
          { label: 'Day', cell: (i) => dayLabel(series.dates[i] ?? '') },
          ...tokenKinds.map((k) => ({
            label: kindLabel[k],
            numeric: true,
            cell: (i: number) => exact(series.kinds[k][i] ?? 0),
          })),
          { label: 'Total', numeric: true, cell: (i) => exact(series.tokens[i] ?? 0) },
        ]}
      />
    </>
  );
}

export function DailyCostChart({ series }: { series: DailySeries }) {
  const get = useLatest(series);
  const build = useRef((theme: ChartTheme) => dailyCostChart(get, costColor, theme)).current;
  const data = useMemo<uPlot.AlignedData>(() => [indices(series.dates.length), series.cost], [series]);
  return (
    <>
      <UPlotChart
        build={build}
        data={data}
        shapeKey={`c${series.dates.length}`}
        label="Cost per day in US dollars"
      />
      <DataTable
        summary="Data table"
        rowKey={(i) => series.dates[i] ?? String(i)}
        rows={indices(series.dates.length).reverse()}
        columns={[
          { label: 'Day', cell: (i) => dayLabel(series.dates[i] ?? '') },
          { label: 'Cost', numeric: true, cell: (i) => usdPrecise(series.cost[i] ?? 0) },
        ]}
      />
    </>
  );
}

const taskColor = '#4e79a7';

export function HourlyChart({ counts }: { counts: number[] }) {
  const get = useLatest(counts);
  const build = useRef((theme: ChartTheme) => hourlyChart(get, taskColor, theme)).current;
  const data = useMemo<uPlot.AlignedData>(() => [indices(24), counts], [counts]);
  return (
    <>
      <UPlotChart build={build} data={data} shapeKey="h24" label="Tasks started per hour of the day" />
      <DataTable
        summary="Data table"
        rowKey={(h) => String(h)}
        rows={indices(24)}
        columns={[
          { label: 'Hour', cell: (h) => `${String(h).padStart(2, '0')}:00` },
          { label: 'Tasks', numeric: true, cell: (h) => exact(counts[h] ?? 0) },
        ]}
      />
    </>
  );
}
