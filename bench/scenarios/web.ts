/**
 * Web: the gzip size of the dashboard's JavaScript (web/dist/assets/*.js, gzip level 9, as built by
 * `npm run build:web`) and the time to charts drawn for 90 days in headless Chromium: the start time of the page's
 * own `charts-drawn` mark (navigation start = 0) on a fresh page at `#/runtime/<id>?days=90`, signed in through
 * `/#token=…` beforehand. Its baseline, measured in the same run with the loads interleaved, is the same bundle on
 * a page that draws nothing and fetches nothing (the sign-in page of a signed-out browser): the `app-rendered`
 * mark main.tsx sets after its first render. What separates the two is the page's own work: its fetches, their
 * parsing and the first render of the charts. Under both, the floor: a page without script from the same hub
 * (`/healthz`), parsed, in a new tab like the others: Chromium, the harness and a round trip. Each load is a new tab
 * (a new renderer, as a link opened from elsewhere gets; Chromium without the omnibox UI it would build for each
 * new window, bench/web-chromium.ts); beside it the charts and the blank page in a tab kept
 * open (the next address typed in: a full navigation in a warm renderer), reported in the note; and, for a row of its
 * own beside the goal's, the charts in a new tab of a returning user's browser (a profile on disk that has opened the
 * page before, so its V8 code cache holds the scripts' compiled code, which an off-the-record context never keeps),
 * its loads taking turns with the others. The marks are
 * read with bare CDP polls, not Playwright's `waitForFunction`, whose injected script would run on the page's main
 * thread while it loads.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from '../processes';
import { BENCH_CHROMIUM_ARGS as ARGS } from '../web-chromium';

const ASSETS = join(ROOT, 'web/dist/assets');
export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';

/** `npm run build:web`, bounded; resolves with an error text, or null when it built. */
export function buildWeb(timeoutMs = 180_000): Promise<string | null> {
  return new Promise((resolve) => {
    const proc = spawn('npm', ['run', '--silent', 'build:web'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve(
        code === 0 ? null : `build:web exited ${code}: ${out.trim().split('\n').slice(-5).join(' | ')}`,
      );
    });
  });
}

export interface JsSize {
  files: { name: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
  /** The scripts index.html loads (entry and modulepreloads); the other chunks load after the first render. */
  entryGzipBytes: number | null;
}

/** The scripts web/dist/index.html loads before the app runs (its entry and the modulepreloads), by file name. */
function entryScripts(): string[] {
  try {
    const html = readFileSync(join(ASSETS, '../index.html'), 'utf8');
    return [
      ...html.matchAll(
        /<(?:script type="module"|link rel="modulepreload")[^>]*(?:src|href)="\/assets\/([^"]+\.js)"/g,
      ),
    ].map((m) => m[1] ?? '');
  } catch {
    return [];
  }
}

export function jsGzipSize(): JsSize | null {
  let names: string[];
  try {
    names = readdirSync(ASSETS).filter((f) => f.endsWith('.js'));
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  const files = names.map((name) => {
    const buf = readFileSync(join(ASSETS, name));
    return { name, bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
  });
  const entry = entryScripts();
  const first = files.filter((f) => entry.includes(f.name));
  return {
    files,
    gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0),
    entryGzipBytes: first.length > 0 ? first.reduce((s, f) => s + f.gzipBytes, 0) : null,
  };
}

/** A page's resource timing of one REST route, in ms after navigation start. */
export interface FetchTiming {
  startMs: number;
  endMs: number;
}

export interface ChartsSample {
  /** `charts-drawn` of the runtime page. */
  chartsMs: number;
  /** `app-rendered` of the blank page loaded just before it. */
  blankMs: number;
  /** The floor: a page without script from the same hub (`/healthz`), parsed (DOMContentLoaded). */
  floorMs: number;
  /** The same two pages in a tab kept open (the next address typed in): no new renderer, its scripts compiled. */
  warmChartsMs: number;
  /** The charts in a new tab of a browser profile on disk that has opened the page before (its V8 code cache). */
  returningMs: number;
  warmBlankMs: number;
  /** The runtime's usage fetches of that load (more than one is a duplicate). */
  usage: FetchTiming[];
  /** When the page's entry script had arrived. */
  scriptsEndMs: number;
}

export interface ChartsResult {
  samples: ChartsSample[];
  medianMs: number;
  blankMedianMs: number;
  /** The floor's median: what Chromium, the harness (a new tab a load) and one round trip cost before any script. */
  floorMedianMs: number;
  /** Medians in a tab kept open: a user reloading or typing the address in a dashboard tab sees these. */
  warmMedianMs: number;
  warmBlankMedianMs: number;
  /** Median in new tabs of a returning user's browser (a profile on disk, after RETURNING_VISITS visits). */
  returningMedianMs: number;
  /** Entries in that profile's V8 code cache after the loads (0: its scripts were compiled from source). */
  returningCodeCacheEntries: number;
  firstMs: number;
  /** Medians over the loads: when the usage fetch started and ended, when the entry script had arrived. */
  usageStartMs: number | null;
  usageEndMs: number | null;
  scriptsEndMs: number;
  /** The most usage fetches one load made. */
  maxUsageFetches: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Evaluates `fn(arg)` in `page` every 20 ms until it answers something other than false, through a bare CDP
 * `Runtime.evaluate` (a fraction of a millisecond of the page's main thread each). Playwright's `waitForFunction`
 * first evaluates its injected script (hundreds of KB) in the page's main world, on the main thread the page is
 * loading on: 20–40 ms a load that no user pays (bench/web-floor.ts, BENCHMARKS.md, helper hD). `tag` names the
 * document to read (a part of its address), so the tab's previous one is never read.
 */
export async function pollPage<A, R>(
  page: Page,
  fn: (arg: A) => R | false,
  arg: A,
  tag: string,
  timeoutMs = 20_000,
): Promise<R> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const expression = `location.href.includes(${JSON.stringify(tag)}) && (${fn.toString()})(${JSON.stringify(arg)})`;
    for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(20)) {
      const { result } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true });
      if (result.value) return result.value as R;
    }
    throw new Error(`page.${fn.name}: nothing in ${timeoutMs} ms`);
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

interface MarkTimings {
  ms: number;
  usage: FetchTiming[];
  scriptsEndMs: number;
}

/** The start of the mark `name` and the load's timings, once it is set; false before. */
function markTimings(name: string): MarkTimings | false {
  const entry = performance.getEntriesByName(name, 'mark')[0];
  if (!entry) return false;
  const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
  // Once the socket is live the page refetches on purpose (Store.loadAll): not part of opening it.
  const live = performance.getEntriesByName('hub-live', 'mark')[0]?.startTime ?? Number.POSITIVE_INFINITY;
  return {
    ms: entry.startTime,
    usage: resources
      .filter((r) => /\/api\/runtimes\/[^/]+\/usage\?/.test(r.name) && !r.name.includes('group_by='))
      .filter((r) => r.startTime < live)
      .map((r) => ({ startMs: r.startTime, endMs: r.responseEnd })),
    scriptsEndMs: resources.find((r) => r.name.endsWith('.js'))?.responseEnd ?? 0,
  };
}

/** When a page without script had been parsed (DOM content loaded), once it has. */
function parsedAt(_: null): number | false {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  return nav && nav.domContentLoadedEventStart > 0 ? nav.domContentLoadedEventStart : false;
}

let loadCount = 0;

/** Opens `url` in `page` with its own `n=` query (so the tag names this document) and reads `read` from it. */
async function openIn<R>(page: Page, url: string, read: (page: Page, tag: string) => Promise<R>): Promise<R> {
  const tag = `n=${++loadCount}`;
  const [path, hash] = url.split('#');
  const address = `${path}${path?.includes('?') ? '&' : '?'}${tag}${hash === undefined ? '' : `#${hash}`}`;
  await page.goto(address, { waitUntil: 'commit', timeout: 20_000 });
  return await read(page, tag);
}

/** `openIn` a new tab, closed afterwards. */
async function inNewTab<R>(
  context: BrowserContext,
  url: string,
  read: (page: Page, tag: string) => Promise<R>,
): Promise<R> {
  const page = await context.newPage();
  try {
    return await openIn(page, url, read);
  } finally {
    await page.close();
  }
}

/** Opens `url` in a fresh page and returns the start time of the page's mark `name`, with its timings. */
function markTime(context: BrowserContext, url: string, name: string): Promise<MarkTimings> {
  return inNewTab(context, url, (page, tag) => pollPage(page, markTimings, name, tag));
}

/** The same in a tab kept open (a full navigation to the next address, as a user typing it or reloading). */
function warmMarkTime(page: Page, url: string, name: string): Promise<MarkTimings> {
  return openIn(page, url, (p, tag) => pollPage(p, markTimings, name, tag));
}

/** The visits a returning user's browser has made before its loads are counted (V8 caches a script's code once
 * it has run in a few loads). */
export const RETURNING_VISITS = 3;

/**
 * A returning user's browser: a profile on disk (like a user's Chrome, unlike the off-the-record context the goal
 * row opens), signed in with the same token, that has opened the page RETURNING_VISITS times. Its new tabs read the
 * page's compiled scripts from its V8 code cache instead of compiling them.
 */
async function returningBrowser(o: { baseUrl: string; memberToken: string; chartsUrl: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ARGS,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const signIn = await context.newPage();
    await signIn.goto(`${o.baseUrl}/#token=${encodeURIComponent(o.memberToken)}`, { timeout: 20_000 });
    await signIn.waitForFunction(() => location.hash === '#/' && localStorage.length > 0, null, {
      timeout: 20_000,
    });
    await signIn.close();
    for (let i = 0; i < RETURNING_VISITS; i++) await markTime(context, o.chartsUrl, 'charts-drawn');
  } catch (e) {
    await close();
    throw e;
  }
  const codeCache = join(dir, 'Default', 'Code Cache', 'js');
  return {
    context,
    close,
    codeCacheEntries: () =>
      existsSync(codeCache)
        ? readdirSync(codeCache).filter((f) => f !== 'index' && f !== 'index-dir').length
        : 0,
  };
}

export async function timeToCharts(o: {
  baseUrl: string;
  memberToken: string;
  runtimeId: string;
  samples: number;
}): Promise<ChartsResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const viewport = { viewport: { width: 1280, height: 900 } };
    const signedIn = await browser.newContext(viewport);
    const signIn = await signedIn.newPage();
    await signIn.goto(`${o.baseUrl}/#token=${encodeURIComponent(o.memberToken)}`, { timeout: 20_000 });
    await signIn.waitForFunction(() => location.hash === '#/' && localStorage.length > 0, null, {
      timeout: 20_000,
    });
    await signIn.close();
    // No token kept: the app renders its sign-in page, which neither fetches nor draws.
    const signedOut = await browser.newContext(viewport);
    const samples: ChartsSample[] = [];
    let returningCodeCacheEntries = 0;
    const chartsUrl = `${o.baseUrl}/#/runtime/${o.runtimeId}?days=90`;
    // One tab of each kept open, loaded once before the samples (its renderer is the warm one).
    const warmIn = await signedIn.newPage();
    const warmOut = await signedOut.newPage();
    await warmMarkTime(warmIn, chartsUrl, 'charts-drawn');
    await warmMarkTime(warmOut, `${o.baseUrl}/`, 'app-rendered');
    const returning = await returningBrowser({ ...o, chartsUrl });
    try {
      // Interleaved, so a burst of load on the machine weighs on both the same way.
      for (let i = 0; i < o.samples; i++) {
        const floor = await inNewTab(signedOut, `${o.baseUrl}/healthz`, (page, tag) =>
          pollPage(page, parsedAt, null, tag),
        );
        const blank = await markTime(signedOut, `${o.baseUrl}/`, 'app-rendered');
        const charts = await markTime(signedIn, chartsUrl, 'charts-drawn');
        const warmBlank = await warmMarkTime(warmOut, `${o.baseUrl}/`, 'app-rendered');
        const warmCharts = await warmMarkTime(warmIn, chartsUrl, 'charts-drawn');
        const again = await markTime(returning.context, chartsUrl, 'charts-drawn');
        samples.push({
          chartsMs: charts.ms,
          blankMs: blank.ms,
          floorMs: floor,
          warmChartsMs: warmCharts.ms,
          warmBlankMs: warmBlank.ms,
          returningMs: again.ms,
          usage: charts.usage,
          scriptsEndMs: charts.scriptsEndMs,
        });
      }
      returningCodeCacheEntries = returning.codeCacheEntries();
    } finally {
      await returning.close();
    }
    const firstUsage = samples.flatMap((s) => s.usage.slice(0, 1));
    return {
      samples,
      medianMs: median(samples.map((s) => s.chartsMs)),
      blankMedianMs: median(samples.map((s) => s.blankMs)),
      floorMedianMs: median(samples.map((s) => s.floorMs)),
      warmMedianMs: median(samples.map((s) => s.warmChartsMs)),
      warmBlankMedianMs: median(samples.map((s) => s.warmBlankMs)),
      returningMedianMs: median(samples.map((s) => s.returningMs)),
      returningCodeCacheEntries,
      firstMs: samples[0]?.chartsMs ?? Number.NaN,
      usageStartMs: firstUsage.length > 0 ? median(firstUsage.map((u) => u.startMs)) : null,
      usageEndMs: firstUsage.length > 0 ? median(firstUsage.map((u) => u.endMs)) : null,
      scriptsEndMs: median(samples.map((s) => s.scriptsEndMs)),
      maxUsageFetches: Math.max(0, ...samples.map((s) => s.usage.length)),
    };
  } finally {
    await browser.close();
  }
}
