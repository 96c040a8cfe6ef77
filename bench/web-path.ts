/**
 * The critical path of one new-tab load of the runtime's 90-day page, from a Chromium trace: when the renderer
 * process first runs, the HTML arrives and is parsed, the inline boot script runs, each request is sent and
 * answered, the modules compile and evaluate, the page renders and the charts are drawn, and what the main
 * thread was busy with in between. Prints each load's milestones (ms after navigationStart) and their medians.
 *
 * `npx tsx bench/web-path.ts [loads=9] [--dump] [--fastest]` (`--dump`: the median load's main-thread events over
 * 0.5 ms, and the CPU of the task that sets the mark by event name: lazy compilation, style, layout, GC;
 * `--fastest`: that of the fastest load instead, the nearest to a quiet machine's when others are loading it)
 */
import { median, pollPage } from './scenarios/web';
import { navigationStartOf, TRACE_CATEGORIES, type TraceEvent, withWebSession } from './web-session';

type Path = Record<string, number>;

const url = (e: TraceEvent) => String(e.args?.data?.url ?? '');
const short = (u: string) =>
  u
    .replace(/^https?:\/\/[^/]+/, '')
    .replace(/\?.*/, '')
    .slice(0, 60);

function pathOf(events: TraceEvent[], dump: boolean): Path | undefined {
  const mark = events.find((e) => e.name === 'charts-drawn' && e.ph !== 'M');
  if (!mark) return undefined;
  const t0 = navigationStartOf(events, mark);
  if (t0 === undefined) return undefined;
  const at = (e: TraceEvent | undefined) => (e ? (e.ts - t0) / 1000 : Number.NaN);
  const end = (e: TraceEvent | undefined) => (e ? (e.ts + (e.dur ?? 0) - t0) / 1000 : Number.NaN);
  const mine = events.filter((e) => e.pid === mark.pid);
  const main = mine.filter((e) => e.tid === mark.tid);
  const p: Path = {};
  p.rendererFirstEvent = at(mine.filter((e) => e.ph !== 'M').sort((a, b) => a.ts - b.ts)[0]);
  p.mainFirstAfterNav = at(main.find((e) => e.ph === 'X' && e.ts >= t0));
  const parse = main.filter((e) => e.name === 'ParseHTML' && e.ts >= t0);
  p.parseHtml = at(parse[0]);
  const inline = main.find((e) => e.name === 'EvaluateScript' && e.ts >= t0);
  p.bootScript = at(inline);
  p.bootScriptEnd = end(inline);
  const sends = mine.filter((e) => e.name === 'ResourceSendRequest');
  const byId = (name: string, id: unknown) =>
    mine.find((e) => e.name === name && e.args?.data?.requestId === id);
  const req = (re: RegExp, key: string) => {
    const s = sends.find((e) => re.test(url(e)));
    if (!s) return;
    p[`${key}Send`] = at(s);
    p[`${key}Resp`] = at(byId('ResourceReceiveResponse', s.args?.data?.requestId));
    const fin = byId('ResourceFinish', s.args?.data?.requestId);
    p[`${key}Finish`] = at(fin);
  };
  req(/\/usage\?(?!.*group_by)/, 'usage');
  req(/group_by=runtime/, 'daily');
  req(/\/activity\?/, 'activity');
  req(/\/assets\/index-.*\.js$/, 'entryJs');
  const compiles = main.filter((e) => e.name === 'v8.compileModule' && e.ts >= t0);
  p.firstModuleCompile = at(compiles[0]);
  p.lastModuleCompileEnd = end(compiles[compiles.length - 1]);
  const evals = main.filter((e) => e.name === 'v8.evaluateModule' && e.ts >= t0);
  p.moduleEval = at(evals[0]);
  p.moduleEvalEnd = end(evals[0]);
  const appMark = main.find((e) => e.name === 'app-rendered' && e.ph !== 'M');
  p.appRendered = at(appMark);
  p.chartsDrawn = at(mark);
  // From the moment both the answers and the bundle were in to the mark: the charts' own task, whatever the
  // machine's load made of the path before it.
  const ready = Math.max(p.moduleEvalEnd, p.usageFinish ?? 0, p.dailyFinish ?? 0, p.activityFinish ?? 0);
  p.markAfterReady = p.chartsDrawn - ready;
  p.cpuUntilMark =
    main
      .filter((e) => e.ph === 'X' && e.ts >= t0 && e.ts < mark.ts && e.name === 'RunTask')
      .reduce((s, e) => s + (e.tdur ?? e.dur ?? 0), 0) / 1000;
  // The CPU of the task that sets the mark (the charts' task), each load: steadier than its wall time.
  const markTask = main.find(
    (x) => x.name === 'RunTask' && x.ts <= mark.ts && x.ts + (x.dur ?? 0) >= mark.ts,
  );
  p.markTaskCpu = (markTask?.tdur ?? Number.NaN) / 1000;
  // Functions compiled lazily in it (V8's compile events, when the trace asked for them).
  p.markTaskCompiles = markTask
    ? main.filter((x) => x.name === 'V8.CompileCode' && x.ts >= markTask.ts && x.ts <= mark.ts).length
    : Number.NaN;
  const paint = main.find((e) => (e.name === 'Paint' || e.name === 'PaintImage') && e.ts > mark.ts);
  p.paintAfterMark = at(paint);
  if (dump) {
    // The task the mark was set in, and what its CPU went to (nested events; the rest is running JavaScript).
    const task = main.find((x) => x.name === 'RunTask' && x.ts <= mark.ts && x.ts + (x.dur ?? 0) >= mark.ts);
    if (task) {
      const sums = new Map<string, [number, number]>();
      for (const x of main.filter((y) => y.ph === 'X' && y.ts >= task.ts && y.ts <= mark.ts && y !== task)) {
        const k = sums.get(x.name) ?? [0, 0];
        sums.set(x.name, [k[0] + (x.tdur ?? 0) / 1000, k[1] + 1]);
      }
      console.log(`  mark task cpu ${((task.tdur ?? 0) / 1000).toFixed(1)}`);
      for (const [k, [v, n]] of [...sums].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25))
        console.log(`    ${v.toFixed(1)} ms  ${n}×  ${k}`);
    }
    for (const e of mine.filter((x) => x.name === 'ResourceSendRequest'))
      console.log(`  send ${at(e).toFixed(1)} ${short(url(e))}`);
    for (const e of main.filter((x) => x.ph === 'X' && x.ts >= t0 && x.ts <= mark.ts && (x.dur ?? 0) > 500))
      console.log(
        `  [${at(e).toFixed(1)} +${((e.dur ?? 0) / 1000).toFixed(1)} cpu ${((e.tdur ?? 0) / 1000).toFixed(1)}] ${e.name} ${short(url(e))}`,
      );
  }
  return p;
}

async function main(): Promise<void> {
  const loads = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 9);
  const dump = process.argv.includes('--dump');
  const fastest = process.argv.includes('--fastest');
  await withWebSession(async ({ url: hub, runtimeId, browser, signedIn }) => {
    const paths: { p: Path; events: TraceEvent[] }[] = [];
    for (let i = -1; i < loads; i++) {
      const page = await signedIn.newPage();
      await browser.startTracing(page, {
        // V8's compile events too: how much of the task that draws the charts is compiling code cold.
        categories: [...TRACE_CATEGORIES, 'disabled-by-default-v8.compile'],
      });
      await page.goto(`${hub}/?n=${i}#/runtime/${runtimeId}?days=90`, { waitUntil: 'commit' });
      await pollPage(
        page,
        (_: null) => performance.getEntriesByName('charts-drawn').length > 0,
        null,
        `n=${i}`,
      );
      await new Promise((r) => setTimeout(r, 150));
      const { traceEvents } = JSON.parse((await browser.stopTracing()).toString()) as {
        traceEvents: TraceEvent[];
      };
      if (process.env.TRACE_SAVE && i === loads - 1)
        (await import('node:fs')).writeFileSync(process.env.TRACE_SAVE, JSON.stringify(traceEvents));
      const p = pathOf(traceEvents, false);
      if (p && i >= 0) paths.push({ p, events: traceEvents });
      await page.close();
    }
    const keys = Object.keys(paths[0]?.p ?? {});
    paths.sort((a, b) => (a.p.chartsDrawn ?? 0) - (b.p.chartsDrawn ?? 0));
    console.log(`medians of ${paths.length} new-tab loads, ms after navigationStart (trace clock)`);
    for (const k of keys) {
      const v = paths.map((x) => x.p[k] ?? Number.NaN).filter((x) => !Number.isNaN(x));
      console.log(
        `${k.padEnd(24)} ${median(v).toFixed(1).padStart(7)}   (${v.map((x) => x.toFixed(0)).join(' ')})`,
      );
    }
    const m = paths[fastest ? 0 : Math.floor((paths.length - 1) / 2)];
    if (dump && m) {
      console.log(`${fastest ? 'fastest' : 'median'} load (${m.p.chartsDrawn?.toFixed(0)} ms):`);
      pathOf(m.events, true);
    }
  });
}

await main();
