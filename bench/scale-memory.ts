/**
 * Where the hub's memory goes in the scale scenario's sequence (issue 19, hub RSS): on a kept scale database
 * (bench/scale-keep.ts), a fresh hub replays the scenario's phases one by one — ingest, each view's uncached and
 * cached calls, the walk of every page — and after each the hub's VmRSS, its peak, and what V8 says it holds
 * (heap used and total, external, per heap space: the hub's /metrics) are printed, so a phase's growth is
 * attributed to the JS heap, to buffers outside it, or to neither (the allocator keeping freed memory).
 *
 *   npx tsx bench/scale-memory.ts /tmp/<name>.json [KEY=VALUE…] [--node-flag…]
 *
 * KEY=VALUE: the hub's environment (e.g. MALLOC_ARENA_MAX=2); --flags: the hub's node flags (e.g. --trace-gc);
 * --hub=<dir>/bin/runtime-hub.js: another build's CLI (a copy of dist/ and bin/ with node_modules linked), for A/B.
 */
import { readFileSync } from 'node:fs';
import { openPostgres, prepareWorkspace } from './database';
import { startHub } from './hub';
import { rssKb, sleep } from './processes';
import { SCALES } from './scale';
import { PAGES_WALK_VIEW, SCALE_VIEWS } from './scale-explain';
import { bump, peakRssKb, timeView, viewPath } from './scale-history';
import { walkPages } from './scale-pages';
import type { ScaleFleet } from './scale-seed';
import { runDaemonLoad } from './scenarios/ingest';

const [file, ...args] = process.argv.slice(2);
if (!file) throw new Error('usage: scale-memory.ts /tmp/<name>.json [KEY=VALUE…]');
const kept = JSON.parse(readFileSync(file, 'utf8')) as ScaleFleet & {
  url: string;
  memberToken: string;
  daemonToken: string;
};
const script = args.find((a) => a.startsWith('--hub='))?.slice('--hub='.length);
const nodeArgs = args.filter((a) => a.startsWith('--') && !a.startsWith('--hub='));
const env = Object.fromEntries(
  args
    .filter((a) => !a.startsWith('--'))
    .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
);
const h = SCALES.full.history;

const db = openPostgres(kept.url, 1);
// The ingest load writes into a workspace of its own, as the scenario's does (the views see only the fleet).
const load = await prepareWorkspace(db);
await db.close();

const hub = await startHub({ databaseUrl: kept.url, env, nodeArgs, script, name: 'hub-scale-memory' });
const mb = (bytes: number) => Math.round(bytes / 1048576);

/** One line of memory figures, from /proc and the hub's own default metrics. */
async function report(phase: string): Promise<void> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  const gcLine = (what: string, kind: string) =>
    Number(
      new RegExp(`^nodejs_gc_duration_seconds_${what}\\{kind="${kind}"\\} (\\S+)`, 'm').exec(text)?.[1] ?? 0,
    );
  const gcs = (kind: string) => gcLine('count', kind);
  const gcSeconds = (kind: string) => gcLine('sum', kind).toFixed(2);
  const spaces = [...text.matchAll(/^nodejs_heap_space_size_used_bytes\{space="(\w+)"\} (\S+)/gm)]
    .filter((m) => Number(m[2]) > 4 * 1048576)
    .map((m) => `${m[1]} ${mb(Number(m[2]))}`)
    .join(', ');
  console.log(
    `${phase.padEnd(34)} rss ${String(Math.round((rssKb(hub.child.pid) ?? 0) / 1024)).padStart(4)} MB ` +
      `(peak ${Math.round((peakRssKb(hub.child.pid) ?? 0) / 1024)}), heap used ${mb(metric('nodejs_heap_size_used_bytes'))} ` +
      `/ total ${mb(metric('nodejs_heap_size_total_bytes'))}, external ${mb(metric('nodejs_external_memory_bytes'))} ` +
      `MB; ${spaces}; major GCs ${gcs('major')} (${gcSeconds('major')} s), minor ${gcs('minor')} (${gcSeconds('minor')} s)`,
  );
}

try {
  await report('started');
  await runDaemonLoad('load-daemons:scale-memory', {
    url: hub.url,
    token: load.daemonToken,
    sockets: 20,
    inflight: 2,
    eventsPerCall: 10,
    warmupS: h.ingestWarmupS,
    durationS: h.ingestS,
    callTimeoutMs: 30_000,
  });
  await report('ingest');
  for (const view of SCALE_VIEWS) {
    const path = viewPath(view, kept);
    const budgetMs = h.viewBudgetS * 1000;
    const before = (n: number) => bump(hub, kept.daemonToken, kept, n);
    const u = await timeView(hub, path, kept.memberToken, { samples: h.uncachedSamples, budgetMs, before });
    await report(`${view.id} uncached (p99 ${u.p99Ms} ms)`);
    const c = await timeView(hub, path, kept.memberToken, { samples: h.cachedSamples, budgetMs });
    await report(`${view.id} cached (p99 ${c.p99Ms} ms)`);
  }
  await bump(hub, kept.daemonToken, kept, -1);
  const walk = await walkPages(hub.url, viewPath(PAGES_WALK_VIEW, kept), kept.memberToken);
  await report(`walk (${walk.pages} pages, ${Math.round(walk.totalMs)} ms)`);
  await sleep(10_000);
  await report('10 s idle');
  if (nodeArgs.includes('--heapsnapshot-signal=SIGUSR2')) {
    // A heap snapshot collects all garbage first: what is left is what the hub keeps alive.
    process.kill(hub.child.pid, 'SIGUSR2');
    await sleep(60_000);
    await report('after a heap snapshot (full GC)');
  }
} finally {
  await hub.child.stop();
}
