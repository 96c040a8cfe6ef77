/**
 * Where a load's time goes before the page's own work: the floor under the bench's blank page and time to charts.
 * In one session (bench/web-session.ts), loads taking turns:
 * - **floor**: a page with no script at all served by the same hub (`/healthz`, a text document): what Chromium,
 *   the harness and one HTTP round trip cost before anything of ours runs; its first contentful paint.
 * - **blank**: the signed-out page (the bench's baseline), `app-rendered`.
 * - **charts**: the runtime's 90-day page, `charts-drawn`.
 * Each is opened the bench's way (a new tab per load: a new renderer process, a cold connection) and, for the
 * harness's own share, in a warm tab as a user would (the same tab, the next address typed in: `goto` a URL with
 * another query, so it is a full navigation, not a hash change). Printed: medians of the Navigation Timing marks
 * (request start, response end, DOM interactive), the entry script's arrival, the first usage fetch, first paint
 * and the page's mark.
 *
 * `npx tsx bench/web-floor.ts [--loads 11] [--raf]` (`--raf`: each load also read Playwright's way, to weigh it)
 */
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { median } from './scenarios/web';
import { withWebSession } from './web-session';

/** The timings of one load, ms after its navigation start. */
interface Timings {
  requestStart: number;
  responseEnd: number;
  domInteractive: number;
  script: number;
  usageStart: number;
  usageEnd: number;
  /** When the last of the history answers the charts wait for (usage, per-day totals, activity) had arrived. */
  apiEnd: number;
  /** main.tsx's first render done (`app-rendered`). */
  rendered: number;
  fcp: number;
  mark: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The page's timings once the mark `name` (or, with none, the first contentful paint) is set, else false. */
function collect(name: string | null): Timings | false {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
  const at = name ? performance.getEntriesByName(name, 'mark')[0]?.startTime : fcp;
  if (!nav || nav.domInteractive === 0 || at === undefined || fcp === undefined) return false;
  const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
  // The refetches once the socket is live are not part of opening the page.
  const live = performance.getEntriesByName('hub-live', 'mark')[0]?.startTime ?? Number.POSITIVE_INFINITY;
  const api = resources
    // "Where it went" asks for its groups (project, user, session) beside them; the charts do not wait for those.
    .filter((r) => /\/(usage|activity)\?/.test(r.name) && !/group_by=(project|user|session)/.test(r.name))
    .filter((r) => r.startTime < live)
    .map((r) => r.responseEnd);
  const usage = resources.find((r) => /\/usage\?/.test(r.name) && !r.name.includes('group_by='));
  return {
    requestStart: nav.requestStart,
    responseEnd: nav.responseEnd,
    domInteractive: nav.domInteractive,
    script: resources.find((r) => r.name.endsWith('.js'))?.responseEnd ?? Number.NaN,
    usageStart: usage?.startTime ?? Number.NaN,
    usageEnd: usage?.responseEnd ?? Number.NaN,
    apiEnd: api.length > 0 ? Math.max(...api) : Number.NaN,
    rendered: performance.getEntriesByName('app-rendered', 'mark')[0]?.startTime ?? Number.NaN,
    fcp,
    mark: at,
  };
}

/**
 * Waits the way the bench does: Playwright's `waitForFunction` polling on each frame. Its first call evaluates
 * Playwright's injected script in the page's main world, on the page's main thread, while the page loads.
 */
async function readRaf(page: Page, mark: string | null): Promise<Timings> {
  const handle = await page.waitForFunction(collect, mark, {
    polling: 'raf',
    timeout: 20_000,
  });
  return (await handle.jsonValue()) as Timings;
}

/**
 * Waits without putting anything in the page: a bare CDP `Runtime.evaluate` of a short expression every 20 ms
 * (well under a millisecond of the page's main thread each), for the document whose address has `n=<tag>`.
 */
async function readQuiet(page: Page, mark: string | null, tag: string): Promise<Timings> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const expression = `location.search.includes(${JSON.stringify(tag)}) && (${collect.toString()})(${JSON.stringify(mark)})`;
    for (const end = Date.now() + 20_000; Date.now() < end; await sleep(20)) {
      const { result } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true });
      if (result.value) return result.value as Timings;
    }
    throw new Error(`no ${mark ?? 'paint'} in 20 s`);
  } finally {
    await cdp.detach();
  }
}

async function read(page: Page, mark: string | null, tag: string, quiet: boolean): Promise<Timings> {
  return quiet ? readQuiet(page, mark, tag) : readRaf(page, mark);
}

interface Kind {
  name: string;
  context: BrowserContext;
  url: (i: number) => string;
  mark: string | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { loads: { type: 'string', default: '11' }, raf: { type: 'boolean', default: false } },
  });
  const loads = Number(values.loads);
  await withWebSession(async (s) => {
    const kinds: Kind[] = [
      {
        name: 'floor (/healthz, no script)',
        context: s.signedOut,
        url: (i) => `${s.url}/healthz?n=${i}`,
        mark: null,
      },
      {
        name: 'blank (signed out)',
        context: s.signedOut,
        url: (i) => `${s.url}/?n=${i}`,
        mark: 'app-rendered',
      },
      {
        name: 'charts (90 days)',
        context: s.signedIn,
        url: (i) => `${s.url}/?n=${i}#/runtime/${s.runtimeId}?days=90`,
        mark: 'charts-drawn',
      },
    ];
    const results = new Map<string, Timings[]>();
    const add = (name: string, t: Timings) => results.set(name, [...(results.get(name) ?? []), t]);
    const warm = new Map<string, Page>();
    for (const k of kinds)
      for (const how of values.raf ? ['raf', 'quiet'] : ['quiet'])
        warm.set(`${how} ${k.name}`, await k.context.newPage());
    // The first round warms the tabs, the connections and the hub's caches: not counted.
    for (let i = -1; i < loads; i++) {
      for (const k of kinds) {
        for (const quiet of values.raf ? [false, true] : [true]) {
          const how = quiet ? 'quiet' : 'raf';
          const tag = `n=${i}`;
          const page = await k.context.newPage();
          try {
            await page.goto(k.url(i), { waitUntil: 'commit' });
            const t = await read(page, k.mark, tag, quiet);
            if (i >= 0) add(`new tab, ${how}: ${k.name}`, t);
          } finally {
            await page.close();
          }
          const tab = warm.get(`${how} ${k.name}`) as Page;
          await tab.goto(k.url(i), { waitUntil: 'commit' });
          const t = await read(tab, k.mark, tag, quiet);
          if (i >= 0) add(`warm tab, ${how}: ${k.name}`, t);
        }
      }
    }
    const keys: (keyof Timings)[] = [
      'requestStart',
      'responseEnd',
      'domInteractive',
      'script',
      'usageStart',
      'usageEnd',
      'apiEnd',
      'rendered',
      'fcp',
      'mark',
    ];
    console.log(`medians of ${loads} loads each, ms after navigation start`);
    console.log(['load'.padEnd(52), ...keys.map((k) => k.padStart(14))].join(''));
    for (const [name, ts] of results) {
      const cells = keys.map((k) => {
        const v = median(ts.map((t) => t[k]).filter((x) => !Number.isNaN(x)));
        return (Number.isNaN(v) ? '–' : v.toFixed(1)).padStart(14);
      });
      console.log([name.padEnd(52), ...cells].join(''));
    }
  });
}

await main();
