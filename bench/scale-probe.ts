/**
 * Times the scale scenario's views straight through the store (no hub, no cache) on a database kept by
 * scale-keep.ts, and optionally prints one plan of each: for iterating on a view's query.
 *
 *   npx tsx bench/scale-probe.ts /tmp/<name>.json [views,comma,separated|all] [calls] [explain]
 */
import { readFileSync } from 'node:fs';
import { historyWindow } from '../server/http/history-window';
import { openPostgres, usageByGroup, usagePage } from '../server/store';
import { explainViews, SCALE_VIEWS } from './scale-explain';
import type { ScaleFleet } from './scale-seed';

const [file, only = 'all', callsArg = '10', explain] = process.argv.slice(2);
const kept = JSON.parse(readFileSync(file!, 'utf8')) as ScaleFleet & { url: string };
const db = openPostgres(kept.url, 2, { statementTimeoutMs: 600_000, lockTimeoutMs: 60_000 });
const views = SCALE_VIEWS.filter((v) => only === 'all' || only.split(',').includes(v.id));
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
for (const view of views) {
  const times: number[] = [];
  let rows = 0;
  let bytes = 0;
  for (let i = 0; i < Number(callsArg); i++) {
    const w = historyWindow(view.days, view.tz);
    const runtimeId = view.runtime ? kept.busyRuntimeId : null;
    const t = performance.now();
    const r = view.groupBy
      ? await usageByGroup(db, kept.workspaceId, runtimeId, w, view.groupBy)
      : (await usagePage(db, kept.workspaceId, runtimeId, w)).rows;
    bytes = JSON.stringify(r).length;
    times.push(performance.now() - t);
    rows = r.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${view.id}: p50 ${pct(times, 50).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms, ${rows} rows, ${Math.round(bytes / 1024)} KB`,
  );
}
if (explain) {
  for (const p of await explainViews(db, kept, true)) {
    if (views.some((v) => v.id === p.view)) console.log(`\n## ${p.view}\n${p.plan}`);
  }
}
await db.close();
