/**
 * Workspace overview: how many runtimes are online, what the last 7 days and today cost, where it went (projects,
 * people, sessions), every runtime with its live status, and the workspace's daily tokens over the last 30 days;
 * all of it narrowed by the filter chips.
 */
import { useMemo } from 'preact/hooks';
import { windowDates } from '../../../shared/time';
import { DailyTokensChart } from '../charts/DailyCharts';
import { ZoneSelect } from '../components/Controls';
import { EmptyUsage } from '../components/EmptyUsage';
import { FilterChips } from '../components/FilterChips';
import { KpiCard } from '../components/KpiCard';
import { BudgetPanel } from '../components/lazy';
import { Panel } from '../components/Panel';
import { RuntimeList } from '../components/RuntimeList';
import { WhereItWent } from '../components/WhereItWent';
import { byKey, dailySeries, totalsOf } from '../lib/aggregate';
import { OTHER_KEY } from '../lib/attribution';
import { compact, exact, usdCompact, usdExact } from '../lib/format';
import { relativeChange } from '../lib/kpi';
import { navigateZone } from '../lib/navigation';
import { hubLost, OVERVIEW_DAYS, RUNTIME_SUMMARY_DAYS } from '../live/state';
import { useStore } from '../live/use-store';

export function Overview() {
  const runtimes = useStore((s) => s.runtimes);
  const usage = useStore((s) => s.overview);
  const tz = useStore((s) => s.tz);
  const groups = useStore((s) => s.overviewGroups);
  const data = usage.status === 'ready' ? usage.data : null;

  const view = useMemo(() => {
    if (!data) return null;
    // Per day × model: the sums of every model (those past the top ones in `other`) are the workspace's.
    const rows = data.models;
    const window = windowDates(OVERVIEW_DAYS, tz);
    const weekStart = window[RUNTIME_SUMMARY_DAYS - 1] ?? '';
    const prevStart = window[RUNTIME_SUMMARY_DAYS * 2 - 1] ?? '';
    const week = rows.filter((r) => r.date >= weekStart);
    const prevWeek = rows.filter((r) => r.date < weekStart && r.date >= prevStart);
    return {
      week: totalsOf(week),
      prevWeek: totalsOf(prevWeek),
      today: totalsOf(rows.filter((r) => r.date === window[0])),
      // Already RUNTIME_SUMMARY_DAYS days per day × runtime; a runtime past the top ones is in `other`.
      perRuntime: byKey(data.runtimes.filter((r) => r.date >= weekStart)),
      series: dailySeries(rows, [...window].reverse()),
    };
  }, [data, tz]);

  const list = runtimes.status === 'ready' ? runtimes.data : [];
  const online = list.filter((r) => r.status === 'online').length;
  const lost = useStore((s) => hubLost(s.connection));

  return (
    <main class="page">
      <div class="page-head">
        <h1>
          Runtimes{' '}
          {runtimes.status === 'ready' ? (
            <span class="online-count" data-testid="online-count">
              {lost ? `${list.length} · status unknown` : `${online}/${list.length} online`}
            </span>
          ) : null}
        </h1>
        <ZoneSelect tz={tz} onChange={(z) => navigateZone(tz, z)} />
      </div>
      <FilterChips />

      <div class="kpis">
        <KpiCard
          label="Tokens · 7 days"
          value={view ? view.week.tokens : null}
          format={compact}
          exactText={view ? exact(view.week.tokens) : undefined}
          change={relativeChange(view?.week.tokens ?? 0, view?.prevWeek.tokens, 'neither')}
        />
        <KpiCard
          label="Cost · 7 days"
          value={view ? view.week.cost : null}
          format={usdCompact}
          exactText={view ? usdExact(view.week.cost) : undefined}
          change={relativeChange(view?.week.cost ?? 0, view?.prevWeek.cost, 'down')}
        />
        <KpiCard
          label="Cost today"
          value={view ? view.today.cost : null}
          format={usdCompact}
          exactText={view ? usdExact(view.today.cost) : undefined}
          note={`since midnight, ${tz}`}
        />
      </div>

      <WhereItWent groups={groups} days={OVERVIEW_DAYS} />

      <Panel
        title="Runtimes"
        loading={runtimes.status === 'loading'}
        error={runtimes.status === 'error' ? runtimes.message : null}
        empty={list.length === 0 ? <EmptyUsage what="No runtimes yet" /> : null}
        wide
      >
        <RuntimeList
          runtimes={list}
          totals={view?.perRuntime ?? null}
          folded={view?.perRuntime.has(OTHER_KEY) ?? false}
        />
      </Panel>

      <BudgetPanel editable />

      <Panel
        title={`Workspace tokens per day · ${OVERVIEW_DAYS} days`}
        loading={usage.status === 'loading'}
        error={usage.status === 'error' ? usage.message : null}
        empty={view?.series.tokens.every((t) => t === 0) ? <EmptyUsage /> : null}
        wide
      >
        {view ? (
          <DailyTokensChart series={view.series} label="Workspace tokens per day, stacked by kind" />
        ) : null}
      </Panel>
    </main>
  );
}
