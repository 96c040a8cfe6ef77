import { median } from './scenarios/web';
import { navigationStartOf, TRACE_CATEGORIES, type TraceEvent, withWebSession } from './web-session';

const WRAPPERS = new Set([
  'RunTask',
  'ThreadControllerImpl::RunTask',
  'ThreadControllerImpl::DoWork',
  'SequenceManager::DoIdleWork',
  'MessageLoop::RunTask',
  'ScheduledAction::execute',
]);

/** Busy time by top-level event name on the main thread from navigation to the mark (ms), and the mark. */
function summarize(
  events: TraceEvent[],
  mark: string,
): { markMs: number; busy: [string, number][]; cpuMs: number } {
  const markEv = events.find((e) => e.name === mark && e.ph !== 'M');
  // The page's renderer: the thread its mark was set on.
  const main = markEv;
  const start = markEv ? navigationStartOf(events, markEv) : undefined;
  if (!main || !markEv || start === undefined) return { markMs: Number.NaN, busy: [], cpuMs: Number.NaN };
  const own = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .filter((e) => e.ts >= start && e.ts < markEv.ts)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const totals = new Map<string, number>();
  let end = 0;
  let cpu = 0;
  for (const e of own) {
    if (process.env.TRACE_DUMP && e.ts >= start && (e.dur ?? 0) > 1000)
      console.log(
        `    [${((e.ts - start) / 1000).toFixed(1)} +${((e.dur ?? 0) / 1000).toFixed(1)}] ${e.name} ${JSON.stringify(e.args).slice(0, 160)}`,
      );
    if (WRAPPERS.has(e.name)) continue; // scheduler tasks: what runs inside them is what counts
    if (e.ts < end) continue; // nested in the previous top-level event
    const dur = Math.min(e.ts + (e.dur ?? 0), markEv.ts) - e.ts;
    if (process.env.TRACE_VERBOSE && dur > Number(process.env.TRACE_VERBOSE) * 1000)
      console.log(
        `  ${((e.ts - start) / 1000).toFixed(0)} ms +${(dur / 1000).toFixed(1)} (cpu ${((e.tdur ?? 0) / 1000).toFixed(1)}) ${e.name} ${JSON.stringify(e.args).slice(0, 200)}`,
      );
    const key =
      e.name === 'EvaluateScript' || e.name === 'v8.evaluateModule'
        ? `${e.name} ${e.args?.data?.url ?? ''}`
        : e.name;
    totals.set(key, (totals.get(key) ?? 0) + dur / 1000);
    cpu += (e.tdur ?? e.dur ?? 0) * (dur / (e.dur || 1));
    end = e.ts + (e.dur ?? 0);
  }
  return {
    markMs: (markEv.ts - start) / 1000,
    busy: [...totals].sort((a, b) => b[1] - a[1]),
    cpuMs: cpu / 1000,
  };
}

async function main(): Promise<void> {
  const loads = Number(process.argv[2] ?? 5);
  const blank = process.argv[3] === 'blank';
  const mark = blank ? 'app-rendered' : 'charts-drawn';
  await withWebSession(async ({ url, runtimeId, browser, signedIn, signedOut }) => {
    const runs: { markMs: number; busy: [string, number][]; cpuMs: number }[] = [];
    for (let i = 0; i < loads; i++) {
      const page = await (blank ? signedOut : signedIn).newPage();
      await browser.startTracing(page, {
        categories: TRACE_CATEGORIES,
      });
      await page.goto(blank ? `${url}/` : `${url}/#/runtime/${runtimeId}?days=90`, {
        waitUntil: 'commit',
      });
      await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, {
        polling: 'raf',
      });
      const buf = await browser.stopTracing();
      const { traceEvents } = JSON.parse(buf.toString()) as { traceEvents: TraceEvent[] };
      // A load whose navigation the trace does not tie to the mark's renderer is left out.
      const run = summarize(traceEvents, mark);
      if (Number.isFinite(run.markMs)) runs.push(run);
      await page.close();
    }
    runs.sort((a, b) => a.markMs - b.markMs);
    console.log(`${mark} per load (trace clock): ${runs.map((r) => r.markMs.toFixed(0)).join(', ')} ms`);
    const cpu = runs.map((r) => r.cpuMs);
    console.log(
      `main thread CPU until the mark: median ${median(cpu).toFixed(0)} ms (${[...cpu]
        .sort((a, b) => a - b)
        .map((v) => v.toFixed(0))
        .join(' ')})`,
    );
    const m = runs[Math.floor((runs.length - 1) / 2)];
    if (m) {
      const busy = m.busy.reduce((s, [, v]) => s + v, 0);
      console.log(`median load ${m.markMs.toFixed(0)} ms: main thread busy ${busy.toFixed(0)} ms`);
      for (const [k, v] of m.busy.slice(0, 25)) console.log(`${v.toFixed(1).padStart(7)} ms  ${k}`);
    }
  });
}

await main();
