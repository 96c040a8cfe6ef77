/**
 * The summary rows of a run, always the same set for a scale (a scenario that did not run gives n/a rows), with
 * the targets of the issue "Benchmarks that compare".
 */
import type { Scale } from './scale';
import type { FanoutResult } from './scenarios/fanout';
import type { IngestRun } from './scenarios/ingest';
import type { ChartsResult } from './scenarios/web';
import type { Measured } from './suite';
import { makeRow, type Row } from './table';

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
    `usage fetch ${ms(w.usageStartMs)} → ${ms(w.usageEndMs)}`,
    `entry script ${ms(w.scriptsEndMs)}`,
    `${w.maxUsageFetches} usage fetch(es) per load`,
  ].join('; ');

const join = (...notes: (string | null | undefined)[]) => notes.filter(Boolean).join('; ') || null;

export function buildRows(scale: Scale, m: Measured): Row[] {
  const rows: Row[] = [];
  const perCall = (runs: IngestRun[] | undefined, n: number) => runs?.find((r) => r.eventsPerCall === n);
  for (const n of scale.ingest.eventsPerCall) {
    const ceiling = perCall(m.ceiling, n);
    rows.push(
      makeRow({
        id: `ingest_ceiling_${n}`,
        metric: `Ingest ceiling: bare Socket.IO, ${n} ev/call`,
        value: ceiling?.eventsPerS,
        unit: 'ev/s',
        note: join(refusals(ceiling), cpu(ceiling)),
      }),
    );
  }
  for (const n of scale.ingest.eventsPerCall) {
    const seed = perCall(m.seed?.runs, n);
    rows.push(
      makeRow({
        id: `seed_pattern_${n}`,
        metric: `Seed pattern: 1 upsert per event, ${n} ev/call`,
        value: seed?.eventsPerS,
        unit: 'ev/s',
        note: join(refusals(seed), cpu(seed)),
      }),
    );
  }
  const written = (what: { runs: IngestRun[]; rowsWritten: number } | undefined) => {
    if (!what) return null;
    const acked = what.runs.reduce((s, r) => s + r.result.okEvents, 0);
    return acked === what.rowsWritten ? null : `${acked} events acked but ${what.rowsWritten} rows written`;
  };
  for (const n of scale.ingest.eventsPerCall) {
    const hub = perCall(m.hub?.runs, n);
    const note = join(refusals(hub), written(m.hub), cpu(hub), commitNote(hub));
    rows.push(
      makeRow({
        id: `hub_ingest_${n}`,
        metric: `Hub ingest, acked after commit, ${n} ev/call`,
        value: hub?.eventsPerS,
        unit: 'ev/s',
        baseline: perCall(m.ceiling, n)?.eventsPerS,
        baselineLabel: 'ceiling',
        target: { on: 'ratio', op: '>=', limit: 0.5, text: '≥ 0.5× ceiling' },
        note,
      }),
    );
    rows.push(
      makeRow({
        id: `hub_vs_seed_${n}`,
        metric: `Hub ingest vs seed pattern, ${n} ev/call`,
        value: hub?.eventsPerS,
        unit: 'ev/s',
        baseline: perCall(m.seed?.runs, n)?.eventsPerS,
        baselineLabel: 'seed',
        target: { on: 'ratio', op: '>=', limit: 5, text: '≥ 5× seed' },
        note: join(refusals(perCall(m.seed?.runs, n)), written(m.seed)),
      }),
    );
  }
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
  const { screens, ratePerS } = scale.latency;
  const lat = m.latency;
  const latLabel = `2 nodes + Redis, ${ratePerS.toLocaleString('en-US')} ev/s × ${screens} screens`;
  rows.push(
    makeRow({
      id: 'fanout_latency_p50',
      metric: `Emit → dashboard p50, ${latLabel}`,
      value: lat?.p50Ms,
      unit: 'ms',
      note: lat ? `${lat.deltas.toLocaleString('en-US')} samples` : null,
    }),
    makeRow({
      id: 'fanout_latency_p99',
      metric: `Emit → dashboard p99, ${latLabel}`,
      value: lat?.p99Ms,
      unit: 'ms',
      target: { on: 'value', op: '<=', limit: 30, text: '≤ 30 ms' },
      note: join(
        incomplete(lat),
        lat ? `max ${lat.maxMs} ms; emit → ack p50 ${lat.ackP50Ms} / p99 ${lat.ackP99Ms} ms` : null,
      ),
    }),
  );
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
  );
  return rows;
}
