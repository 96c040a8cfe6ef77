/**
 * Daily cost with the burn rate (the trailing 7-day mean) as a line: the cost chart of a runtime's page, its
 * legend, and its data table as the text alternative.
 */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { DataTable } from '../components/DataTable';
import type { DailySeries } from '../lib/aggregate';
import { costColor } from '../lib/colors';
import { dayLabel, usdPrecise } from '../lib/format';
import { BURN_DAYS, burnColor, costBurnChart, trailingBurn } from './cost-burn';
import type { ChartTheme } from './options';
import { indices } from './series';
import { UPlotChart } from './UPlotChart';

export function CostBurnChart({ series }: { series: DailySeries }) {
  const ref = useRef(series);
  ref.current = series;
  const build = useRef((theme: ChartTheme) => costBurnChart(() => ref.current, theme)).current;
  const burn = useMemo(() => trailingBurn(series.cost), [series]);
  const data = useMemo<uPlot.AlignedData>(
    () => [indices(series.dates.length), series.cost, burn] as uPlot.AlignedData,
    [series, burn],
  );
  return (
    <>
      <ul class="legend" aria-hidden="true">
        <li>
          <span class="swatch" style={{ background: costColor }} />
          Cost
        </li>
        <li>
          <span class="swatch" style={{ background: burnColor, height: '3px' }} />
          Burn rate ({BURN_DAYS}-day average)
        </li>
      </ul>
      <UPlotChart
        build={build}
        data={data}
        shapeKey={`cb${series.dates.length}`}
        label={`Cost per day in US dollars, with the ${BURN_DAYS}-day average`}
      />
      <DataTable
        summary="Data table"
        rowKey={(i) => series.dates[i] ?? String(i)}
        rows={indices(series.dates.length).reverse()}
        columns={[
          { label: 'Day', cell: (i) => dayLabel(series.dates[i] ?? '') },
          { label: 'Cost', numeric: true, cell: (i) => usdPrecise(series.cost[i] ?? 0) },
          {
            label: `${BURN_DAYS}-day average`,
            numeric: true,
            cell: (i) => {
              const b = burn[i];
              return b === null || b === undefined ? '' : usdPrecise(b);
            },
          },
        ]}
      />
    </>
  );
}
