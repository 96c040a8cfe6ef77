/**
 * Summary rows of the scale scenario, with the goals of issue 19 (at 5M events, default Postgres settings):
 * ingest within 10 % of the empty database, workspace 30 d and runtime 90 d p99 ≤ 50 ms, workspace 365 d p99
 * ≤ 200 ms, no answer over 2 MB, hub RSS ≤ 300 MB. The same rows for a scale whether or not it ran.
 */
import type { Scale } from './scale';
import { SCALE_VIEWS } from './scale-explain';
import type { ScaleResult, ViewTiming } from './scale-history';
import { makeRow, type Row } from './table';

const MB = 1024 * 1024;

export const sizeLabel = (n: number) =>
  n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);

const timingNote = (t: ViewTiming | undefined) => {
  if (!t) return null;
  const notes = [
    `p50 ${t.p50Ms} ms`,
    `${t.samples} calls`,
    `${t.rows} rows, ${(t.maxBytes / 1024).toFixed(0)} KB`,
  ];
  if (t.failed > 0) notes.push(`${t.failed} not 200 (${t.statuses.join(', ')})`);
  return notes.join('; ');
};

export function scaleRows(scale: Scale, m: ScaleResult | undefined): Row[] {
  const rows: Row[] = [];
  for (const size of scale.history.sizes) {
    const s = sizeLabel(size);
    const step = m?.steps.find((x) => x.events === size);
    rows.push(
      makeRow({
        id: `scale_${s}_ingest`,
        metric: `Scale ${s}: hub ingest, 20 sockets × 2 in flight × 10 ev`,
        value: step?.ingestEventsPerS,
        unit: 'ev/s',
        baseline: step?.emptyIngestEventsPerS,
        baselineLabel: 'empty db',
        target: { on: 'ratio', op: '>=', limit: 0.9, text: '≥ 0.9× empty' },
        note: step
          ? [
              `seeded through writeUsageEvents at ${step.seedEventsPerS.toFixed(0)} ev/s`,
              ...Object.entries({ ...step.ingestErrors }).map(([k, v]) => `${k}×${v}`),
              ...Object.entries(step.emptyIngestErrors).map(([k, v]) => `empty db ${k}×${v}`),
            ].join('; ')
          : null,
      }),
    );
    for (const view of SCALE_VIEWS) {
      const t = step?.views[view.id];
      rows.push(
        makeRow({
          id: `scale_${s}_${view.id}_uncached`,
          metric: `Scale ${s}: ${view.label}, uncached p99`,
          value: t?.uncached.p99Ms,
          unit: 'ms',
          target: { on: 'value', op: '<=', limit: view.p99TargetMs, text: `≤ ${view.p99TargetMs} ms` },
          note: timingNote(t?.uncached),
        }),
        makeRow({
          id: `scale_${s}_${view.id}_cached`,
          metric: `Scale ${s}: ${view.label}, cached p99`,
          value: t?.cached.p99Ms,
          unit: 'ms',
          note: timingNote(t?.cached),
        }),
      );
    }
    const walk = step?.pagesWalk;
    rows.push(
      makeRow({
        id: `scale_${s}_ws365_la_pages_walk`,
        metric: `Scale ${s}: workspace 365 d America/Los_Angeles, default rows, every page walked (uncached)`,
        value: walk?.totalMs,
        unit: 'ms',
        note: walk
          ? `${walk.pages} pages, ${walk.rows} rows, largest page ${(walk.maxBytes / 1024).toFixed(0)} KB` +
            (walk.failed > 0 ? `; ${walk.failed} not 200` : '')
          : null,
      }),
    );
    const answers = step ? Object.values(step.views).flatMap((v) => [v.uncached, v.cached]) : [];
    const tables = step
      ? Object.entries(step.tableBytes)
          .map(([t, b]) => `${t} ${(b / MB).toFixed(0)} MB`)
          .join(', ')
      : null;
    rows.push(
      makeRow({
        id: `scale_${s}_bytes`,
        metric: `Scale ${s}: largest history answer`,
        value: step ? Math.max(...answers.map((a) => a.maxBytes), walk?.maxBytes ?? 0) / MB : null,
        unit: 'MB',
        target: { on: 'value', op: '<=', limit: 2, text: '≤ 2 MB' },
      }),
      makeRow({
        id: `scale_${s}_rss`,
        metric: `Scale ${s}: hub RSS after the history calls`,
        value: step?.hubRssKb ? step.hubRssKb / 1024 : null,
        unit: 'MB',
        target: { on: 'value', op: '<=', limit: 300, text: '≤ 300 MB' },
        note: step?.hubPeakRssKb ? `peak ${(step.hubPeakRssKb / 1024).toFixed(0)} MB` : null,
      }),
      makeRow({
        id: `scale_${s}_db`,
        metric: `Scale ${s}: database size`,
        value: step ? step.databaseBytes / MB : null,
        unit: 'MB',
        note: step ? `${(step.databaseBytes / size).toFixed(0)} B/event; ${tables}` : null,
      }),
    );
  }
  const last = scale.history.sizes.at(-1);
  if (scale.history.retentionDays && last !== undefined) {
    const step = m?.steps.find((x) => x.events === last);
    const r = step?.retention;
    rows.push(
      makeRow({
        id: 'scale_retention_ingest',
        metric: `Scale ${sizeLabel(last)}: ingest during a retention round (keep ${scale.history.retentionDays} d)`,
        value: r?.ingestEventsPerS,
        unit: 'ev/s',
        baseline: r?.ingestBeforeEventsPerS ?? step?.ingestEventsPerS,
        baselineLabel: 'just before, no round',
        target: { on: 'ratio', op: '>=', limit: 0.9, text: '≥ 0.9× without' },
        note: r
          ? [
              `deleted ${r.deleted.toLocaleString('en-US')} events in ${r.batches} batches, ${r.seconds.toFixed(1)} s`,
              `in batches ${Math.round((r.busyShare ?? 0) * 100)} % of it`,
              `old days ${r.oldDaysEqual ? 'unchanged' : 'CHANGED'} (${r.comparedRows} rows compared)`,
              ...Object.entries(r.ingestErrors).map(([k, v]) => `${k}×${v}`),
            ].join('; ')
          : null,
      }),
    );
  }
  return rows;
}
