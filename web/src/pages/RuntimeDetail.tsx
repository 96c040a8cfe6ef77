/**
 * One runtime: KPIs against the previous period, daily tokens and cost, tasks per hour, models, a 13/26-week
 * heatmap, data quality, where it went and the per-day × model table; range, time zone and filter chosen by the
 * viewer (the filter narrows everything but the tasks, which name no project, person or session).
 */
import { useEffect, useLayoutEffect, useMemo } from 'preact/hooks';
import { localDate } from '../../../shared/time';
import { CostBurnChart } from '../charts/CostBurnChart';
import { DailyTokensChart, HourlyChart } from '../charts/DailyCharts';
import { drawQueuedCharts } from '../charts/UPlotChart';
import { Ago } from '../components/Ago';
import { RangeSelect, ZoneSelect } from '../components/Controls';
import { DataQuality } from '../components/DataQuality';
import { EmptyUsage } from '../components/EmptyUsage';
import { FilterChips } from '../components/FilterChips';
import type { DayAmount } from '../components/Heatmap';
import { KpiRow } from '../components/KpiRow';
import { BudgetPanel, Donut, Heatmap } from '../components/lazy';
import { Panel } from '../components/Panel';
import { StaleBadge } from '../components/RuntimeList';
import { StatusDot } from '../components/StatusDot';
import { downloadCsv, tableOrder, UsageTable } from '../components/UsageTable';
import { WhereItWent } from '../components/WhereItWent';
import { byModel, dailySeries, rowTokens, splitPeriods, totalsOf } from '../lib/aggregate';
import { assignModelColors, modelColor } from '../lib/colors';
import { isEmptyFilter } from '../lib/filter';
import { navigateRange, navigateZone } from '../lib/navigation';
import { shownStatus } from '../lib/presence';
import { routeHref } from '../lib/route';
import { useStore, useStoreApi } from '../live/use-store';

export { DEFAULT_DAYS } from '../lib/route';

/** `days` comes from the address: the range buttons navigate, so Back and an edited link change it too. */
export function RuntimeDetail({ id, days }: { id: string; days: number }) {
  const store = useStoreApi();
  const tz = useStore((s) => s.tz);
  const runtimes = useStore((s) => s.runtimes);
  const detail = useStore((s) => s.detail);
  const connection = useStore((s) => s.connection);
  const filter = useStore((s) => s.filter);
  const filtered = !isEmptyFilter(filter);

  useEffect(() => store.openDetail(id, days), [store, id, days]);
  useEffect(() => () => store.closeDetail(), [store]);

  const runtime = runtimes.status === 'ready' ? runtimes.data.find((r) => r.id === id) : undefined;
  const usage = detail?.id === id && detail.days === days ? detail.usage : { status: 'loading' as const };
  const hourly = detail?.id === id && detail.days === days ? detail.hourly : { status: 'loading' as const };
  const groups = detail?.id === id && detail.days === days ? detail.groups : null;
  const data = usage.status === 'ready' ? usage.data : null;

  const chartsReady = data !== null && hourly.status === 'ready';
  // The bench reads this mark: the page's charts hold their data (the charts' layout effects, which ran before
  // this one, queued them; they are drawn here, their sizes read together).
  useLayoutEffect(() => {
    drawQueuedCharts();
    if (chartsReady) performance.mark('charts-drawn', { detail: { id, days } });
  }, [chartsReady, id, days]);

  const view = useMemo(() => {
    if (!data) return null;
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
      series: dailySeries(p.current, p.dates),
      models: byModel(p.current),
      heat,
      table: tableOrder(p.current),
      today: localDate(Date.now(), tz),
      // Every model of the range (known families keep their colour whatever the range).
      colors: assignModelColors(data.rows.map((r) => r.model)),
    };
  }, [data, days, tz]);

  if (runtimes.status === 'ready' && !runtime) {
    return (
      <main class="page">
        <p class="state state-error" role="alert">
          This runtime does not exist in your workspace. <a href="#/">Back to all runtimes</a>
        </p>
      </main>
    );
  }

  const status = runtime ? shownStatus(runtime.status, connection) : null;
  const loading = usage.status === 'loading';
  const error = usage.status === 'error' ? usage.message : null;
  const empty =
    view && view.current.tokens === 0 ? <EmptyUsage what={`No usage in the last ${days} days`} /> : null;

  return (
    <main class="page">
      <nav class="crumbs">
        <a href={routeHref({ page: 'overview', filter })}>← All runtimes</a>
      </nav>
      <div class="page-head">
        <h1 class="rt-title">
          {status ? <StatusDot status={status} /> : null}
          {runtime?.name ?? '…'}
          {runtime ? <span class="tag">{runtime.provider}</span> : null}
          {runtime ? <span class="tag tag-muted">{runtime.runtime_mode}</span> : null}
          {runtime ? <StaleBadge runtime={runtime} /> : null}
        </h1>
        <div class="controls">
          <RangeSelect days={days} onChange={navigateRange} />
          <ZoneSelect tz={tz} onChange={(z) => navigateZone(tz, z)} />
        </div>
      </div>
      {runtime ? (
        <p class="muted rt-sub">
          {runtime.device_info || 'unknown device'} · {status === 'online' ? 'online, seen ' : 'last seen '}
          <Ago iso={runtime.last_seen_at} />
        </p>
      ) : null}
      <FilterChips />

      {view ? (
        <KpiRow current={view.current} previous={view.previous} />
      ) : (
        <div class="kpis kpis-6 kpis-loading" />
      )}

      {runtime ? <BudgetPanel runtime={runtime} /> : null}

      <div class="grid">
        <Panel title="Tokens per day" loading={loading} error={error} empty={empty}>
          {view ? <DailyTokensChart series={view.series} label="Tokens per day, stacked by kind" /> : null}
        </Panel>
        <Panel title="Cost per day" loading={loading} error={error} empty={empty}>
          {view ? <CostBurnChart series={view.series} /> : null}
        </Panel>
        <Panel
          title="Tasks by hour of day"
          actions={
            filtered ? (
              <span
                class="muted panel-note"
                title="Tasks name no project, person or session: this is all of them"
              >
                not filtered
              </span>
            ) : null
          }
          loading={hourly.status === 'loading'}
          error={hourly.status === 'error' ? hourly.message : null}
          empty={
            hourly.status === 'ready' && hourly.data.counts.every((c) => c === 0)
              ? `No tasks in the last ${days} days — they appear here when the daemon reports agent tasks.`
              : null
          }
        >
          {hourly.status === 'ready' ? <HourlyChart counts={hourly.data.counts} /> : null}
        </Panel>
        <Panel title="Models" loading={loading} error={error} empty={empty}>
          {view ? (
            <Donut
              slices={view.models}
              total={view.current.tokens}
              colorOf={(m) => view.colors.get(m) ?? modelColor(m)}
            />
          ) : null}
        </Panel>
        <Panel title="Activity per day" loading={loading} error={error}>
          {view ? <Heatmap today={view.today} days={view.heat} /> : null}
        </Panel>
        <Panel title="Data quality" loading={!runtime} error={null}>
          {runtime ? <DataQuality runtime={runtime} unpriced={view?.current.unpriced ?? []} /> : null}
        </Panel>
      </div>

      {groups ? <WhereItWent groups={groups} days={days} /> : null}

      <Panel
        title="Usage per day and model"
        wide
        loading={loading}
        error={error}
        empty={empty}
        actions={
          view && view.table.length > 0 ? (
            <button
              type="button"
              class="btn btn-small"
              onClick={() => downloadCsv(view.table, `usage-${runtime?.name ?? id}-${days}d.csv`)}
            >
              Download CSV
            </button>
          ) : null
        }
      >
        {view ? <UsageTable rows={view.table} colorOf={(m) => view.colors.get(m) ?? modelColor(m)} /> : null}
      </Panel>
    </main>
  );
}
