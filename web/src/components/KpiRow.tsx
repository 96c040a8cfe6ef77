/** The six KPI cards of a runtime's range, each against the previous period of the same length. */
import type { Totals } from '../lib/aggregate';
import { cacheHitRate } from '../lib/aggregate';
import type { TokenKind } from '../lib/colors';
import { kindColor, kindLabel, tokenKinds } from '../lib/colors';
import { compact, exact, percent, usdCompact, usdExact } from '../lib/format';
import { pointsChange, relativeChange } from '../lib/kpi';
import { KpiCard } from './KpiCard';

interface Props {
  current: Totals;
  /** Undefined when the previous period is not available (the 365-day range). */
  previous: Totals | undefined;
}

export function KpiRow({ current, previous }: Props) {
  const hit = cacheHitRate(current);
  return (
    <div class="kpis kpis-6">
      {tokenKinds.map((k: TokenKind) => (
        <KpiCard
          key={k}
          label={kindLabel[k]}
          color={kindColor[k]}
          value={current[k]}
          format={compact}
          exactText={`${exact(current[k])} tokens`}
          change={relativeChange(current[k], previous?.[k], 'neither')}
        />
      ))}
      <KpiCard
        label="Cost"
        value={current.cost}
        format={usdCompact}
        exactText={usdExact(current.cost)}
        // The previous period is read as per-day totals, whose cost is unknown for a day with any token of
        // unknown price: no comparison then, rather than one against a period missing those days' cost.
        change={relativeChange(current.cost, previous?.unpriced.length ? undefined : previous?.cost, 'down')}
      />
      <KpiCard
        label="Cache hit rate"
        value={hit}
        format={(r) => percent(r)}
        exactText="cache read ÷ (input + cache read)"
        change={pointsChange(hit, previous ? cacheHitRate(previous) : undefined, 'up')}
      />
    </div>
  );
}
