/**
 * The scale scenario: how ingest and the history views behave as stored history grows (issue 19). One fresh
 * database: for each size (1M, then 5M events over 365 days, 200 runtimes, 10 models) the history is seeded
 * through the store's write path, hub ingest is measured on a fresh empty database (the paired baseline), then a
 * fresh hub on the seeded one, and ingest, each history view (uncached: one new event committed before each call, as a team's live data makes
 * it; cached: the same call again), answer bytes, the hub's memory and the database size are measured.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Database } from '../server/store';
import { createBenchDatabase, openPostgres, prepareWorkspace } from './database';
import { type HubNode, startHub } from './hub';
import { rssKb } from './processes';
import type { Scale } from './scale';
import { explainViews, PAGES_WALK_VIEW, SCALE_VIEWS, type ScaleView, type ViewPlan } from './scale-explain';
import { type PagesWalk, walkPages } from './scale-pages';
import { measureRetention, type RetentionMeasure } from './scale-retention';
import { registerFleet, type ScaleFleet, seedScaleHistory } from './scale-seed';
import { runDaemonLoad } from './scenarios/ingest';

export interface ViewTiming {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxBytes: number;
  rows: number;
  /** Answers that were not 200 (e.g. 503 when the view passed the hub's statement timeout). */
  failed: number;
  statuses: number[];
}

export interface ScaleStep {
  events: number;
  /** Ingest on a fresh empty database measured just before this step's (paired: the same machine load). */
  emptyIngestEventsPerS: number;
  emptyIngestErrors: Record<string, number>;
  seedEventsPerS: number;
  ingestEventsPerS: number;
  ingestErrors: Record<string, number>;
  /** The default rows' views time their first page; this walks every page of the 365 d Los Angeles answer. */
  views: Record<string, { uncached: ViewTiming; cached: ViewTiming }>;
  pagesWalk?: PagesWalk;
  hubRssKb: number | null;
  hubPeakRssKb: number | null;
  databaseBytes: number;
  tableBytes: Record<string, number>;
  plans: ViewPlan[];
  /** At the largest size: one retention round under ingest. */
  retention?: RetentionMeasure;
}

export interface ScaleResult {
  steps: ScaleStep[];
}

type Log = (line: string) => void;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

/** Peak resident memory of a process (VmHWM), KB. */
export function peakRssKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function ingestRate(
  scale: Scale,
  url: string,
  token: string,
): Promise<{ eventsPerS: number; errors: Record<string, number> }> {
  const h = scale.history;
  const result = await runDaemonLoad('load-daemons:scale', {
    url,
    token,
    sockets: 20,
    inflight: 2,
    eventsPerCall: 10,
    warmupS: h.ingestWarmupS,
    durationS: h.ingestS,
    totalCalls: h.ingestCalls,
    callTimeoutMs: 30_000,
  });
  // Refused or timed-out calls are measured, not fatal: the row says how many.
  const eventsPerS = result.measured.seconds > 0 ? result.measured.okEvents / result.measured.seconds : 0;
  return { eventsPerS, errors: result.errors };
}

/** One new event of the busy runtime, committed before the call returns: every cached view is now stale. */
export async function bump(hub: HubNode, daemonToken: string, fleet: ScaleFleet, n: number): Promise<void> {
  const res = await fetch(`${hub.url}/api/daemon/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${daemonToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runtime_id: fleet.busyRuntimeId,
      events: [
        {
          id: `bump-${Date.now()}-${n}`,
          ts: new Date().toISOString(),
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 1,
          output_tokens: 1,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ],
    }),
  });
  if (!res.ok) throw new Error(`bump: ${res.status} ${await res.text()}`);
}

export async function timeView(
  hub: HubNode,
  path: string,
  memberToken: string,
  o: { samples: number; budgetMs: number; before?: (i: number) => Promise<void> },
): Promise<ViewTiming> {
  const times: number[] = [];
  let maxBytes = 0;
  let rows = 0;
  const statuses = new Set<number>();
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < o.samples && (i < 2 || performance.now() - started < o.budgetMs); i++) {
    await o.before?.(i);
    const t = performance.now();
    const res = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${memberToken}` } });
    const body = await res.text();
    times.push(performance.now() - t);
    statuses.add(res.status);
    maxBytes = Math.max(maxBytes, Buffer.byteLength(body));
    // A view that fails (the statement timeout) is measured as it fails; its time still counts.
    if (res.ok) rows = (JSON.parse(body) as unknown[]).length;
    else failed++;
  }
  times.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    samples: times.length,
    p50Ms: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
    maxBytes,
    rows,
    failed,
    statuses: [...statuses].sort(),
  };
}

async function sizes(db: Database): Promise<{ databaseBytes: number; tableBytes: Record<string, number> }> {
  const [d] = await db.query<{ b: string }>('SELECT pg_database_size(current_database())::text AS b');
  const tables = await db.query<{ t: string; b: string }>(
    `SELECT relname AS t, pg_total_relation_size(oid)::text AS b FROM pg_class
     WHERE relkind IN ('r', 'p') AND relname LIKE 'usage%' AND relname <> 'usage_retention' ORDER BY relname`,
  );
  return {
    databaseBytes: Number(d?.b ?? 0),
    tableBytes: Object.fromEntries(tables.map((r) => [r.t, Number(r.b)])),
  };
}

/** Ingest on a fresh, empty database of its own (same hub, same load), dropped after. */
async function emptyIngest(scale: Scale, o: { hubEnv: Record<string, string>; profileDir?: string }) {
  const database = await createBenchDatabase();
  const db = openPostgres(database.url, 2);
  try {
    const ws = await prepareWorkspace(db);
    const hub = await startHub({ databaseUrl: database.url, env: o.hubEnv, name: 'hub-scale-empty' });
    return await ingestRate(scale, hub.url, ws.daemonToken).finally(() => hub.child.stop());
  } finally {
    await db.close().catch(() => {});
    await database.drop().catch(() => {});
  }
}

/**
 * The state of a database a year old: statistics and visibility as autovacuum keeps them (a freshly loaded
 * table has none), and the seed's write-ahead log checkpointed, so its flush does not land on the measurement.
 */
async function settle(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('VACUUM ANALYZE');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

export async function runScale(
  scale: Scale,
  o: { hubEnv: Record<string, string>; profileDir?: string; log: Log },
): Promise<ScaleResult> {
  const h = scale.history;
  const database = await createBenchDatabase();
  // Seeding and the plans of the slowest views run longer than the hub's 10 s statement bound.
  const db = openPostgres(database.url, 2, { statementTimeoutMs: 600_000, lockTimeoutMs: 60_000 });
  try {
    const ws = await prepareWorkspace(db);
    // The ingest load registers its own runtimes: a second workspace, so the views see only the seeded fleet.
    const load = await prepareWorkspace(db);
    const fleet = await registerFleet(db, ws.workspaceId);
    const hubOptions = {
      databaseUrl: database.url,
      profileDir: o.profileDir,
      env: o.hubEnv,
      name: 'hub-scale',
    };

    let hub: HubNode;

    const steps: ScaleStep[] = [];
    const now = Date.now();
    let seeded = 0;
    for (const [i, size] of h.sizes.entries()) {
      o.log(
        `scale: seeding ${(size - seeded).toLocaleString('en-US')} events (to ${size.toLocaleString('en-US')})`,
      );
      const seedEventsPerS = await seedScaleHistory(
        db,
        fleet,
        { layer: `l${i}`, count: size - seeded, now },
        o.log,
      );
      seeded = size;
      await settle(database.url);
      o.log(`scale ${size}: ingest on an empty database (the paired baseline)`);
      const empty = await emptyIngest(scale, o);
      hub = await startHub(hubOptions);
      try {
        o.log(`scale ${size}: ingest`);
        const ingest = await ingestRate(scale, hub.url, load.daemonToken);
        const views: ScaleStep['views'] = {};
        for (const view of SCALE_VIEWS) {
          const path = viewPath(view, fleet);
          o.log(`scale ${size}: ${path}`);
          const budgetMs = h.viewBudgetS * 1000;
          const uncached = await timeView(hub, path, ws.memberToken, {
            samples: h.uncachedSamples,
            budgetMs,
            before: (n) => bump(hub, ws.daemonToken, fleet, n),
          });
          const cached = await timeView(hub, path, ws.memberToken, { samples: h.cachedSamples, budgetMs });
          views[view.id] = { uncached, cached };
        }
        const walked = viewPath(PAGES_WALK_VIEW, fleet);
        o.log(`scale ${size}: every page of ${walked}`);
        await bump(hub, ws.daemonToken, fleet, -1);
        const pagesWalk = await walkPages(hub.url, walked, ws.memberToken);
        const pid = hub.child.pid;
        const hubRssKb = rssKb(pid);
        const hubPeakRssKb = peakRssKb(pid);
        o.log(`scale ${size}: plans`);
        const plans = await explainViews(db, fleet, h.explain);
        let retention: RetentionMeasure | undefined;
        if (h.retentionDays && i === h.sizes.length - 1) {
          o.log(`scale ${size}: retention round (${h.retentionDays} days) under ingest`);
          retention = await measureRetention({
            db,
            fleet,
            days: h.retentionDays,
            ingest: () => ingestRate(scale, hub.url, load.daemonToken),
          });
        }
        steps.push({
          events: size,
          emptyIngestEventsPerS: empty.eventsPerS,
          emptyIngestErrors: empty.errors,
          seedEventsPerS,
          ingestEventsPerS: ingest.eventsPerS,
          ingestErrors: ingest.errors,
          views,
          pagesWalk,
          hubRssKb,
          hubPeakRssKb,
          ...(await sizes(db)),
          plans,
          retention,
        });
      } finally {
        await hub.child.stop();
      }
    }
    return { steps };
  } finally {
    await db.close().catch(() => {});
    await database.drop().catch((err: unknown) => o.log(`could not drop ${database.name}: ${String(err)}`));
  }
}

export function viewPath(view: ScaleView, fleet: ScaleFleet): string {
  const base = view.runtime ? `/api/runtimes/${fleet.busyRuntimeId}/usage` : '/api/usage';
  const q = new URLSearchParams({ days: String(view.days), tz: view.tz });
  if (view.groupBy) q.set('group_by', view.groupBy);
  return `${base}?${q}`;
}
