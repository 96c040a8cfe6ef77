/**
 * Where the runtime page's time to charts goes: seeds a fresh database as the bench does (90 days × 8 models on
 * one runtime), starts a hub on web/dist, and opens `#/runtime/<id>?days=90` in Chromium a few times with the
 * V8 CPU profiler on (CDP). Prints, for the median load, the page's timeline (navigation, scripts, fetches,
 * marks) and the self time by function and by script from navigation until `charts-drawn` (or the mark named
 * by the second argument, e.g. `app-rendered` for the bundle's evaluation and first render).
 *
 * `npx tsx bench/web-profile.ts [loads] [mark | blank]` (`blank`: the signed-out page until `app-rendered`; build the dashboard first: `npm run build:web`, or with
 * `-- --sourcemap` to see functions by their source file and line instead of minified names).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMapConsumer } from 'source-map-js';
import { ROOT } from './processes';
import { withWebSession } from './web-session';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) per key over the samples; `key` names a node. */
function selfTime(p: Profile, key: (n: ProfileNode) => string): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    if (!n) return;
    const k = key(n);
    totals.set(k, (totals.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** Inclusive time (ms) per key: each sample counted once for every distinct key on its stack. */
function totalTime(p: Profile, key: (n: ProfileNode) => string): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n) seen.add(key(n));
    }
    for (const k of seen) totals.set(k, (totals.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

const short = (url: string) => url.replace(/^https?:\/\/[^/]+/, '') || '(native)';

const maps = new Map<string, SourceMapConsumer | null>();
/** The source file (a package for node_modules) of a frame, through the source map; else its script. */
function sourceOf(n: ProfileNode): string {
  const w = where(n);
  const file = w.slice(w.indexOf(' ') + 1).replace(/:\d+$/, '');
  return file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1');
}

/** `file:line name` of a frame, through web/dist's source map when the build wrote one. */
function where(n: ProfileNode): string {
  const path = short(n.callFrame.url);
  const name = n.callFrame.functionName || '(anonymous)';
  if (!maps.has(path)) {
    const file = join(ROOT, 'web/dist', `${path}.map`);
    maps.set(path, existsSync(file) ? new SourceMapConsumer(JSON.parse(readFileSync(file, 'utf8'))) : null);
  }
  const map = maps.get(path);
  const pos = map?.originalPositionFor({
    line: n.callFrame.lineNumber + 1,
    column: n.callFrame.columnNumber,
  });
  if (!pos?.source) return `${name} ${path}:${n.callFrame.lineNumber}`;
  return `${pos.name ?? name} ${pos.source.replace(/^(\.\.\/)+/, '')}:${pos.line}`;
}

async function main(): Promise<void> {
  const loads = Number(process.argv[2] ?? 5);
  let until = process.argv[3] ?? 'charts-drawn';
  // The bench's baseline: the signed-out page (sign-in form) of the same bundle, up to `app-rendered`.
  const blank = until === 'blank';
  if (blank) until = 'app-rendered';
  await withWebSession(async ({ url, runtimeId, signedIn: context, signedOut }) => {
    const runs: { charts: number; timeline: string[]; profile: Profile }[] = [];
    for (let i = 0; i < loads; i++) {
      const page = await (blank ? signedOut : context).newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      // The page starts and ends its own profile: the samples stop exactly at the mark, not when the bench
      // notices it (a frame or more later, with the work after the mark in them).
      const finished = new Promise<Profile>((resolve) =>
        cdp.on('Profiler.consoleProfileFinished', (e) => resolve((e as { profile: Profile }).profile)),
      );
      await page.addInitScript((name) => {
        console.profile('load');
        // Synchronously at the mark (a PerformanceObserver would be told a task or more later).
        const mark = performance.mark.bind(performance);
        performance.mark = (...args: Parameters<Performance['mark']>) => {
          const entry = mark(...args);
          if (args[0] === name) console.profileEnd('load');
          return entry;
        };
      }, until);
      await page.goto(blank ? `${url}/` : `${url}/#/runtime/${runtimeId}?days=90`, {
        waitUntil: 'commit',
      });
      const handle = await page.waitForFunction(
        (name) => {
          const mark = performance.getEntriesByName(name)[0];
          if (!mark) return false;
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const lines = [
            `document ${nav.responseEnd.toFixed(0)} ms, DOMContentLoaded ${nav.domContentLoadedEventStart.toFixed(0)} ms`,
            ...(performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map(
              (r) =>
                `${r.startTime.toFixed(0).padStart(5)} → ${r.responseEnd.toFixed(0).padStart(5)} ms  ${r.name.replace(location.origin, '')}`,
            ),
            ...performance
              .getEntriesByType('mark')
              .map((m) => `${m.startTime.toFixed(0).padStart(5)} ms  mark ${m.name}`),
          ];
          return { charts: mark.startTime, timeline: lines };
        },
        until,
        { polling: 'raf' },
      );
      const profile = await finished;
      runs.push({ ...((await handle.jsonValue()) as { charts: number; timeline: string[] }), profile });
      await page.close();
    }
    runs.sort((a, b) => a.charts - b.charts);
    console.log(`${until} per load: ${runs.map((r) => r.charts.toFixed(0)).join(', ')} ms`);
    const median = runs[Math.floor((runs.length - 1) / 2)]!;
    console.log(`\nmedian load (${median.charts.toFixed(0)} ms):\n${median.timeline.join('\n')}`);
    const top = (rows: [string, number][], n: number) =>
      rows
        .slice(0, n)
        .map(([k, ms]) => `${ms.toFixed(1).padStart(7)} ms  ${k}`)
        .join('\n');
    console.log(
      `\nself time by script:\n${top(
        selfTime(median.profile, (n) => short(n.callFrame.url)),
        10,
      )}`,
    );
    console.log(`\nself time by source:\n${top(selfTime(median.profile, sourceOf), 15)}`);
    console.log(`\nself time by function:\n${top(selfTime(median.profile, where), 30)}`);
    console.log(`\ntotal time by function (callees included):\n${top(totalTime(median.profile, where), 40)}`);
  });
}

await main();
