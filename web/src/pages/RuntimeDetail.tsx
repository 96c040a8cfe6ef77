/**
 * One runtime: KPIs against the previous period, daily tokens and cost, tasks per hour, models, a 13/26-week
 * heatmap, data quality, where it went and the per-day × model table; range, time zone and filter chosen by the
 * viewer (the filter narrows everything but the tasks, which name no project, person or session).
 */
import { useEffect, useLayoutEffect, useMemo } from 'preact/hooks';
import { CostBurnChart } from '../charts/CostBurnChart';
import { DailyTokensChart, HourlyChart } from '../charts/DailyCharts';
import { drawQueuedCharts } from '../charts/UPlotChart';
import { Ago } from '../components/Ago';
import { usePaintedWhen } from '../components/after-paint';
import { RangeSelect, ZoneSelect } from '../components/Controls';
import { DataQuality } from '../components/DataQuality';
import { EmptyUsage } from '../components/EmptyUsage';
import { FilterChips } from '../components/FilterChips';
import { KpiRow } from '../components/KpiRow';
import { BudgetPanel, Donut, Heatmap } from '../components/lazy';
import { Panel } from '../components/Panel';
import { StaleBadge } from '../components/RuntimeList';
import { StatusDot } from '../components/StatusDot';
import { downloadCsv, UsageTable } from '../components/UsageTable';
import { WhereItWent } from '../components/WhereItWent';
import { modelColor } from '../lib/colors';
import { isEmptyFilter } from '../lib/filter';
import { navigateRange, navigateZone } from '../lib/navigation';
import { shownStatus } from '../lib/presence';
import { routeHref } from '../lib/route';
import { useStore, useStoreApi } from '../live/use-store';
import { chartsView, restView } from './runtime-view';

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
  // this one, queued them; they are built here, their sizes read together). uPlot paints its canvases in a
  // microtask its constructor queues, so the mark waits for a microtask queued after every build: it is set once
  // the plots are painted, not merely built.
  useLayoutEffect(() => {
    drawQueuedCharts();
    if (chartsReady) queueMicrotask(() => performance.mark('charts-drawn', { detail: { id, days } }));
  }, [chartsReady, id, days]);

  // The first render with data draws the charts; the KPIs, models, heatmap, data quality, where it went and the
  // table come one paint later (their sums too), so the charts' frame holds only what they need.
  const charts = useMemo(() => (data ? chartsView(data, days, tz) : null), [data, days, tz]);
  const full = usePaintedWhen(usage.status !== 'loading');
  const view = useMemo(() => (data && full ? restView(data, days, tz) : null), [data, full, days, tz]);
  // The panels below the charts (even as skeletons) come a paint after the page's answers, with the KPIs: they
  // cannot move the charts, and the render, style and layout of the frame the charts are drawn in is their time.
  const below = usePaintedWhen(usage.status !== 'loading' && hourly.status !== 'loading');

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
  // The panels drawn a paint after the charts keep their skeleton until then.
  const restLoading = loading || (data !== null && view === null);
  const error = usage.status === 'error' ? usage.message : null;
  const empty =
    charts && charts.tokens === 0 ? <EmptyUsage what={`No usage in the last ${days} days`} /> : null;

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
      ) : (
        // Its line is held until the runtime is known (it comes with the live connection, after the charts), so
        // the charts below do not move down when it arrives.
        <p class="muted rt-sub" aria-hidden="true">
          {'\u00a0'}
        </p>
      )}
      <FilterChips />

      {view ? (
        <KpiRow current={view.current} previous={view.previous} />
      ) : (
        <div class="kpis kpis-6 kpis-loading" />
      )}

      <div class="grid">
        <Panel title="Tokens per day" loading={loading} error={error} empty={empty}>
          {charts ? (
            <DailyTokensChart series={charts.series} label="Tokens per day, stacked by kind" />
          ) : null}
        </Panel>
        <Panel title="Cost per day" loading={loading} error={error} empty={empty}>
          {charts ? <CostBurnChart series={charts.series} /> : null}
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
        {below ? (
          <>
            <Panel title="Models" loading={restLoading} error={error} empty={empty}>
              {view ? (
                <Donut
                  slices={view.models}
                  total={view.current.tokens}
                  colorOf={(m) => view.colors.get(m) ?? modelColor(m)}
                />
              ) : null}
            </Panel>
            <Panel title="Activity per day" loading={restLoading} error={error}>
              {view ? <Heatmap today={view.today} days={view.heat} /> : null}
            </Panel>
            <Panel title="Data quality" loading={!runtime} error={null}>
              {runtime ? <DataQuality runtime={runtime} unpriced={view?.current.unpriced ?? []} /> : null}
            </Panel>
          </>
        ) : null}
      </div>

      {/* Below the charts: it comes with the live connection (the runtime), after the charts are drawn, shows a
          skeleton while its list loads and nothing when no budget counts this runtime; above them, it moved the
          charts down and up again (budgets-skeleton-moves-the-charts). */}
      {runtime ? <BudgetPanel runtime={runtime} /> : null}

      {groups && full ? <WhereItWent groups={groups} days={days} /> : null}

      {below ? (
        <Panel
          title="Usage per day and model"
          wide
          loading={restLoading}
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
          {view ? (
            <UsageTable rows={view.table} colorOf={(m) => view.colors.get(m) ?? modelColor(m)} />
          ) : null}
        </Panel>
      ) : null}
    </main>
  );
}
