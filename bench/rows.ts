/**
 * The summary rows of a run, always the same set for a scale (a scenario that did not run gives n/a rows), with
 * the targets of the issue "Benchmarks that compare".
 */

import type { Measured } from './measured';
import { type IngestVariant, type Scale, variantId } from './scale';
import { scaleRows } from './scale-rows';
import { ATTRIBUTION_PROJECTS, ATTRIBUTION_USERS, ATTRIBUTION_VIEWS } from './scenarios/attribution';
import type { FanoutResult } from './scenarios/fanout';
import type { IngestRun } from './scenarios/ingest';
import { type ChartsResult, RETURNING_VISITS } from './scenarios/web';
import { makeRow, type Row } from './table';
import { BENCH_CHROMIUM_ARGS, NO_WINDOW_UI } from './web-chromium';

const refusals = (run: IngestRun | undefined): string | null => {
  if (!run) return null;
  const e = Object.entries(run.result.errors);
  return e.length === 0 ? null : `not ok: ${e.map(([k, v]) => `${k}×${v}`).join(', ')}`;
};

const incomplete = (f: FanoutResult | undefined): string | null => {
  if (!f) return null;
  const notes: string[] = [];
  if (!f.complete) notes.push(`received ${f.deltas}/${f.expectedDeltas} deltas`);
  const e = Object.entries(f.producerErrors);
  if (e.length > 0) notes.push(`producer not ok: ${e.map(([k, v]) => `${k}×${v}`).join(', ')}`);
  return notes.length > 0 ? notes.join('; ') : null;
};

const cpu = (run: IngestRun | undefined): string | null =>
  run?.serverCpuUsPerEvent === undefined ? null : `server CPU ${run.serverCpuUsPerEvent.toFixed(1)} µs/event`;

const commitNote = (run: IngestRun | undefined): string | null =>
  run?.commits
    ? `${run.commits.itemsPerCommit.toFixed(0)} ev/commit, ${run.commits.commitMs.toFixed(1)} ms/commit`
    : null;

const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)} ms`);

const webNote = (w: ChartsResult): string =>
  [
    `${w.samples.length} loads, first ${ms(w.firstMs)}`,
    // The harness changed in session 6: say which one a row was measured with.
    BENCH_CHROMIUM_ARGS.includes(NO_WINDOW_UI)
      ? "Chromium's per-window UI off"
      : "Chromium's per-window UI on",
    `floor (a page without script, same hub) ${ms(w.floorMedianMs)}`,
    `in a tab kept open: charts ${ms(w.warmMedianMs)}, blank ${ms(w.warmBlankMedianMs)}`,
    `usage fetch ${ms(w.usageStartMs)} → ${ms(w.usageEndMs)}`,
    `entry script ${ms(w.scriptsEndMs)}`,
    `${w.maxUsageFetches} usage fetch(es) per load`,
  ].join('; ');

const join = (...notes: (string | null | undefined)[]) => notes.filter(Boolean).join('; ') || null;

/** How a variant reads in a row: "fleet, 10 ev/call, 1 in flight". */
const variantText = (v: IngestVariant) =>
  `${v.shape === 'hot' ? 'one hot runtime' : 'fleet'}, ${v.eventsPerCall} ev/call, ${v.inflight} in flight`;

/** The issue's goals: hub ÷ ceiling ≥ 0.5 for a fleet, ≥ 0.3 for one hot runtime. */
const ingestTarget = (v: IngestVariant) => {
  const limit = v.shape === 'hot' ? 0.3 : 0.5;
  return { on: 'ratio', op: '>=', limit, text: `≥ ${limit}× ceiling` } as const;
};

function ingestRows(scale: Scale, m: Measured): Row[] {
  const rows: Row[] = [];
  const of = (runs: IngestRun[] | undefined, v: IngestVariant) =>
    runs?.find((r) => variantId(r.variant) === variantId(v));
  const written = (what: { runs: IngestRun[]; rowsWritten: number } | undefined) => {
    if (!what) return null;
    const acked = what.runs.reduce((s, r) => s + r.result.okEvents, 0);
    return acked === what.rowsWritten ? null : `${acked} events acked but ${what.rowsWritten} rows written`;
  };
  for (const v of scale.ingest.variants) {
    const ceiling = of(m.ceiling, v);
    rows.push(
      makeRow({
        id: `ingest_ceiling_${variantId(v)}`,
        metric: `Ingest ceiling: bare Socket.IO, ${variantText(v)}`,
        value: ceiling?.eventsPerS,
        unit: 'ev/s',
        note: join(refusals(ceiling), cpu(ceiling)),
      }),
    );
  }
  for (const v of scale.ingest.variants) {
    const seed = of(m.seed?.runs, v);
    rows.push(
      makeRow({
        id: `seed_pattern_${variantId(v)}`,
        metric: `Seed pattern: 1 upsert per event, ${variantText(v)}`,
        value: seed?.eventsPerS,
        unit: 'ev/s',
        note: join(refusals(seed), written(m.seed), cpu(seed)),
      }),
    );
  }
  for (const v of scale.ingest.variants) {
    const hub = of(m.hub?.runs, v);
    rows.push(
      makeRow({
        id: `hub_ingest_${variantId(v)}`,
        metric: `Hub ingest, acked after commit, ${variantText(v)}`,
        value: hub?.eventsPerS,
        unit: 'ev/s',
        baseline: of(m.ceiling, v)?.eventsPerS,
        baselineLabel: 'ceiling',
        target: ingestTarget(v),
        note: join(refusals(hub), written(m.hub), cpu(hub), commitNote(hub)),
      }),
    );
  }
  for (const v of scale.ingest.variants.filter((x) => x.shape === 'fleet' && x.inflight > 1)) {
    rows.push(
      makeRow({
        id: `hub_vs_seed_${variantId(v)}`,
        metric: `Hub ingest vs seed pattern, ${variantText(v)}`,
        value: of(m.hub?.runs, v)?.eventsPerS,
        unit: 'ev/s',
        baseline: of(m.seed?.runs, v)?.eventsPerS,
        baselineLabel: 'seed',
        target: { on: 'ratio', op: '>=', limit: 5, text: '≥ 5× seed' },
      }),
    );
  }
  // CPU per call at one event per call: the bare server's is the Socket.IO floor; the hub's overhead is above it.
  for (const v of scale.ingest.variants.filter((x) => x.eventsPerCall === 1)) {
    const hub = of(m.hub?.runs, v)?.serverCpuUsPerCall;
    const floor = of(m.ceiling, v)?.serverCpuUsPerCall;
    rows.push(
      makeRow({
        id: `hub_cpu_per_call_${variantId(v)}`,
        metric: `Hub CPU per call, ${variantText(v)} (baseline: bare Socket.IO)`,
        value: hub,
        unit: 'µs',
        baseline: floor,
        baselineLabel: 'floor',
        note:
          hub !== undefined && floor !== undefined
            ? `hub overhead ${(hub - floor).toFixed(1)} µs/call above the floor`
            : null,
      }),
    );
  }
  for (const size of scale.commit.batchSizes) {
    const c = m.commit?.find((x) => x.size === size);
    const goal = size === 500 ? ({ on: 'value', op: '<=', limit: 8, text: '≤ 8 ms' } as const) : undefined;
    rows.push(
      makeRow({
        id: `commit_p50_${size}`,
        metric: `Commit latency p50, ${size} events (writer alone, one commit at a time)`,
        value: c?.p50Ms,
        unit: 'ms',
        target: goal,
        note: c ? `${c.samples} commits; ${c.statementsPerCommit.toFixed(1)} statements/commit` : null,
      }),
      makeRow({
        id: `commit_p99_${size}`,
        metric: `Commit latency p99, ${size} events`,
        value: c?.p99Ms,
        unit: 'ms',
      }),
    );
  }
  return rows;
}

export function buildRows(scale: Scale, m: Measured): Row[] {
  const rows: Row[] = ingestRows(scale, m);
  for (const d of scale.fanout.dashboards) {
    const f = m.fanout?.find((x) => x.dashboards === d);
    rows.push(
      makeRow({
        id: `fanout_${d}`,
        metric: `Fan-out, 1 node → ${d.toLocaleString('en-US')} dashboards`,
        value: f?.deliveriesPerS,
        unit: 'msg/s',
        target: { on: 'value', op: '>=', limit: 100_000, text: '≥ 100,000 msg/s' },
        note: join(
          incomplete(f),
          f?.hubCpuUsPerDelivery ? `hub CPU ${f.hubCpuUsPerDelivery.toFixed(1)} µs/delivery` : null,
          f ? `p99 ${f.p99Ms} ms under saturation` : null,
        ),
      }),
    );
  }
  const { screens, ratesPerS, warmupS } = scale.latency;
  for (const ratePerS of ratesPerS) {
    const lat = m.latency?.find((l) => l.ratePerS === ratePerS)?.result;
    const latLabel = `2 nodes + Redis, ${ratePerS.toLocaleString('en-US')} ev/s × ${screens} screens`;
    // The issue's goal is set at 200 events/s × 100 screens; the other rates are reported beside it.
    const goal =
      ratePerS === 200 ? ({ on: 'value', op: '<=', limit: 30, text: '≤ 30 ms' } as const) : undefined;
    rows.push(
      makeRow({
        id: `fanout_latency_p50_${ratePerS}`,
        metric: `Emit → dashboard p50, ${latLabel}`,
        value: lat?.p50Ms,
        unit: 'ms',
        note: lat ? `${lat.deltas.toLocaleString('en-US')} samples after a ${warmupS} s warm-up` : null,
      }),
      makeRow({
        id: `fanout_latency_p99_${ratePerS}`,
        metric: `Emit → dashboard p99, ${latLabel}`,
        value: lat?.p99Ms,
        unit: 'ms',
        target: goal,
        note: join(
          incomplete(lat),
          lat ? `max ${lat.maxMs} ms; emit → ack p50 ${lat.ackP50Ms} / p99 ${lat.ackP99Ms} ms` : null,
        ),
      }),
    );
  }
  const c = m.connections;
  const last = c?.steps.at(-1);
  const wanted = Math.max(...scale.connections.steps);
  rows.push(
    makeRow({
      id: 'connections_held',
      metric: 'Idle daemon connections held, 1 node',
      value: last?.held,
      unit: '',
      target: { on: 'value', op: '>=', limit: wanted, text: `≥ ${wanted.toLocaleString('en-US')}` },
      note: join(
        c?.cappedAt ? `capped at ${c.cappedAt} by the open-files hard limit ${c.hubOpenFilesLimit}` : null,
        last && last.failed > 0 ? `${last.failed} failed to connect` : null,
      ),
    }),
    makeRow({
      id: 'connections_rss',
      metric: 'Hub RSS per idle connection',
      value: last?.perConnectionKb,
      unit: 'KB',
      target: { on: 'value', op: '<=', limit: 30, text: '≤ 30 KB' },
      note:
        c && last
          ? `RSS ${(c.baselineRssKb / 1024).toFixed(0)} → ${(last.rssKb / 1024).toFixed(0)} MB`
          : null,
    }),
  );
  const r = m.rest;
  const failed = (x: { non2xx: number; errors: number } | undefined) => !!x && x.non2xx + x.errors > 0;
  const restNote = (x: { non2xx: number; errors: number } | undefined) =>
    x && failed(x) ? `not counted: ${x.non2xx} non-2xx, ${x.errors} errors` : null;
  /** A run with refused or failed requests measured something else (a limiter, an error path). */
  const valid = <T>(x: { non2xx: number; errors: number } | undefined, v: T) => (failed(x) ? null : v);
  rows.push(
    makeRow({
      id: 'rest_p50',
      metric: 'REST usage?days=90 p50, 1 connection',
      value: valid(r?.latency, r?.latency.p50Ms),
      unit: 'ms',
      note: join(restNote(r?.latency), r ? `${r.rows} rows per response` : null),
    }),
    makeRow({
      id: 'rest_p99',
      metric: 'REST usage?days=90 p99, 1 connection',
      value: valid(r?.latency, r?.latency.p99Ms),
      unit: 'ms',
      target: { on: 'value', op: '<=', limit: 20, text: '≤ 20 ms' },
      note: restNote(r?.latency),
    }),
    makeRow({
      id: 'rest_rps',
      metric: `REST usage?days=90 throughput, ${scale.rest.connections} connections`,
      value: valid(r?.throughput, r?.throughput.requestsPerS),
      unit: 'req/s',
      note: join(restNote(r?.throughput), r ? `p99 ${r.throughput.p99Ms} ms` : null),
    }),
  );
  const a = m.attribution;
  const attributed = `${scale.attribution.days} days × 8 models × ${ATTRIBUTION_PROJECTS} projects × ${ATTRIBUTION_USERS} users`;
  for (const { id, query } of ATTRIBUTION_VIEWS) {
    const v = a?.views.find((x) => x.id === id);
    const cold = v ? [...v.coldMs].sort((x, y) => x - y) : [];
    rows.push(
      makeRow({
        id: `rest_attribution_${id}_p99`,
        metric: `REST usage?days=90${query} p99, 1 connection, ${attributed}`,
        value: valid(v, v?.p99Ms),
        unit: 'ms',
        target: { on: 'value', op: '<=', limit: 20, text: '≤ 20 ms' },
        note: join(
          restNote(v),
          v && a
            ? `${v.rows} rows; uncached (first answer per zone) median ${cold[cold.length >> 1]!.toFixed(0)} / ` +
                `max ${cold.at(-1)!.toFixed(0)} ms over ${cold.length} zones; ${a.events.toLocaleString('en-US')} ` +
                `events → ${a.rollupRows.toLocaleString('en-US')} rollup rows`
            : null,
        ),
      }),
    );
  }
  rows.push(
    makeRow({
      id: 'web_js_gzip',
      metric: 'Dashboard JS, gzip',
      value: m.webSize ? m.webSize.gzipBytes / 1024 : null,
      unit: 'KB',
      target: { on: 'value', op: '<=', limit: 80, text: '≤ 80 KB' },
      note:
        m.webBuildError ??
        (m.webSize
          ? join(
              `${m.webSize.files.length} file(s)`,
              m.webSize.entryGzipBytes === null
                ? null
                : `${(m.webSize.entryGzipBytes / 1024).toFixed(1)} KB loaded by the page, the rest after its first render`,
            )
          : 'web/dist not built'),
    }),
    makeRow({
      id: 'web_charts',
      metric: 'Time to charts drawn, 90 days (median)',
      value: m.webCharts?.medianMs,
      unit: 'ms',
      baseline: m.webCharts?.blankMedianMs,
      baselineLabel: 'blank page, same bundle',
      target: { on: 'value', op: '<=', limit: 150, text: '≤ 150 ms' },
      note: m.webCharts
        ? webNote(m.webCharts)
        : scale.webSamples === 0
          ? 'skipped at this scale'
          : `web app not ready${m.webError ? `: ${m.webError.split('\n')[0]}` : ''}`,
    }),
    // Informational, beside the goal row (whose first visit off the record stays its definition): what a user
    // who has opened the dashboard before waits, measured in the same run, its loads taking turns with the goal's.
    makeRow({
      id: 'web_charts_returning',
      metric: `Time to charts drawn, 90 days, new tab, returning user (browser profile on disk, after ${RETURNING_VISITS} visits) (median)`,
      value: m.webCharts?.returningMedianMs,
      unit: 'ms',
      note: m.webCharts
        ? `${m.webCharts.samples.length} loads; ${m.webCharts.returningCodeCacheEntries} entries in the profile's V8 code cache`
        : 'measured with the row above',
    }),
  );
  rows.push(...scaleRows(scale, m.scale));
  return rows;
}
