/**
 * The set-up the dashboard tools share (bench/web-profile.ts, bench/web-trace.ts): a fresh database seeded with
 * one runtime's 90 days, a hub serving web/dist, and Chromium with a signed-in context and a signed-out one (the
 * bench's blank page). Everything is torn down after `use`, whatever it throws.
 */
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import {
  createBenchDatabase,
  dropAllBenchDatabases,
  openPostgres,
  prepareWorkspace,
  seedRuntimeHistory,
} from './database';
import { type HubEnv, startHub } from './hub';
import { stopAll } from './processes';
import { CHROMIUM } from './scenarios/web';
import { BENCH_CHROMIUM_ARGS } from './web-chromium';

/** The Chromium trace categories that show a page load's main thread, script compilation and user timing marks. */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'blink.user_timing',
  'v8',
  'loading',
  'disabled-by-default-devtools.timeline',
];

/** One event of a Chromium trace, as the trace tools read it. */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  /** CPU time of the event's thread (µs): unlike `dur`, it does not grow while the thread waits for a core. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

/**
 * When the page's navigation started, on the trace clock (µs): its navigationStart, the one whose navigationId
 * the mark carries, or else the mark's own time less its `startTime` (ms after the page's time origin). Matching
 * by documentLoaderURL, as before, found nothing with Chromium 156 (its navigationStarts around a new tab's load
 * mostly carry an empty URL), and a new tab's renderer often starts tracing after its navigationStart.
 */
export function navigationStartOf(events: TraceEvent[], mark: TraceEvent): number | undefined {
  const id = mark.args?.data?.navigationId;
  const nav = events.find(
    (e) => e.name === 'navigationStart' && e.pid === mark.pid && id && e.args?.data?.navigationId === id,
  );
  if (nav) return nav.ts;
  const startTime = Number(mark.args?.data?.startTime);
  return Number.isFinite(startTime) ? mark.ts - startTime * 1000 : undefined;
}

export interface WebSession {
  url: string;
  runtimeId: string;
  browser: Browser;
  signedIn: BrowserContext;
  signedOut: BrowserContext;
}

/** What a tool adds to the session's hub: its own settings, Node flags (a preload) or another build's CLI. */
export type WebSessionHub = Pick<HubEnv, 'env' | 'nodeArgs' | 'script'>;

export async function withWebSession(
  use: (s: WebSession) => Promise<void>,
  hubOptions: WebSessionHub = {},
): Promise<void> {
  const database = await createBenchDatabase();
  const db = openPostgres(database.url, 2);
  try {
    const ws = await prepareWorkspace(db);
    const runtimeId = await seedRuntimeHistory(db, ws.workspaceId, 90);
    const hub = await startHub({
      databaseUrl: database.url,
      nodeArgs: hubOptions.nodeArgs,
      script: hubOptions.script,
      env: { REST_RATE_PER_MIN: '100000000', ...hubOptions.env },
      name: 'hub',
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BENCH_CHROMIUM_ARGS });
    try {
      const viewport = { viewport: { width: 1280, height: 900 } };
      const signedIn = await browser.newContext(viewport);
      const signIn = await signedIn.newPage();
      await signIn.goto(`${hub.url}/#token=${encodeURIComponent(ws.memberToken)}`);
      await signIn.waitForFunction(() => localStorage.length > 0);
      await signIn.close();
      const signedOut = await browser.newContext(viewport);
      await use({ url: hub.url, runtimeId, browser, signedIn, signedOut });
    } finally {
      await browser.close();
      await hub.child.stop();
    }
  } finally {
    await db.close();
    await dropAllBenchDatabases();
    await stopAll();
  }
}
