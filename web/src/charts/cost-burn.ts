/**
 * The burn rate drawn over the daily cost bars: the mean daily cost of the last 7 days, as a line. A day with fewer
 * than 7 days of the range behind it has no value (a gap), rather than an average of fewer days that would read as
 * a trend.
 */
import uPlot from 'uplot';
import type { DailySeries } from '../lib/aggregate';
import { costColor } from '../lib/colors';
import { dayLabel, usdPrecise } from '../lib/format';
import { type Built, type ChartTheme, dailyCostChart } from './options';
import { tooltipPlugin } from './tooltip';

export const BURN_DAYS = 7;
export const burnColor = '#4e79a7';

/** The trailing BURN_DAYS-day mean of each day's cost, null where the range holds fewer days before it. */
export function trailingBurn(cost: readonly number[], days = BURN_DAYS): (number | null)[] {
  let sum = 0;
  return cost.map((c, i) => {
    sum += c;
    if (i >= days) sum -= cost[i - days] ?? 0;
    return i >= days - 1 ? sum / days : null;
  });
}

/** Daily cost bars with the burn-rate line; the tooltip gives both. */
export function costBurnChart(get: () => DailySeries, theme: ChartTheme): Built {
  const base = dailyCostChart(get, costColor, theme);
  const burn = () => trailingBurn(get().cost);
  return {
    options: {
      ...base.options,
      series: [
        ...base.options.series,
        {
          label: `${BURN_DAYS}-day average`,
          stroke: burnColor,
          width: 2,
          paths: uPlot.paths.linear?.(),
          points: { show: false },
          spanGaps: false,
        },
      ],
      plugins: [
        tooltipPlugin((idx) => {
          const b = burn()[idx];
          return {
            title: dayLabel(get().dates[idx] ?? ''),
            lines: [
              { color: costColor, label: 'Cost', value: usdPrecise(get().cost[idx] ?? 0) },
              ...(b === null || b === undefined
                ? []
                : [{ color: burnColor, label: `${BURN_DAYS}-day average`, value: usdPrecise(b) }]),
            ],
          };
        }),
      ],
    },
    data: [...base.data, burn()] as uPlot.AlignedData,
  };
}
