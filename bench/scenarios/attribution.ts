/**
 * REST history by attribution (issue 17): a workspace with `days` × 8 models × 50 projects × 20 users of usage
 * (each user runs 10 sessions a day, each on one project and every model), then `GET /api/usage?days=90` as the
 * default view, `group_by=project` and `group_by=user`. Latency with one connection as a dashboard asks it
 * (repeated: the history cache answers until a write), and uncached: the first answer in each of several zones,
 * which computes the view from the quarter-hour rollup.
 */
import autocannon from 'autocannon';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  type Database,
  lockRuntimes,
  type RuntimeUsageEvent,
  registerRuntimes,
  writeUsageEvents,
} from '../../server/store';
import { BENCH_MODELS } from '../seed-history';

export const ATTRIBUTION_PROJECTS = 50;
export const ATTRIBUTION_USERS = 20;
const SESSIONS_PER_USER_DAY = 10;
/** Zones whose first request computes the view (each is a new cache key). */
const COLD_ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Pacific/Auckland',
];

export const ATTRIBUTION_VIEWS = [
  { id: 'default', query: '' },
  { id: 'project', query: '&group_by=project' },
  { id: 'user', query: '&group_by=user' },
] as const;

export interface AttributionView {
  id: (typeof ATTRIBUTION_VIEWS)[number]['id'];
  rows: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Uncached answers, one per zone of COLD_ZONES. */
  coldMs: number[];
}

export interface AttributionResult {
  events: number;
  rollupRows: number;
  seedSeconds: number;
  views: AttributionView[];
}

/** Writes the history through the real write path (events → quarter-hour rollup) on one new runtime. */
export async function seedAttribution(db: Database, workspaceId: string, days: number): Promise<number> {
  const [runtime] = await registerRuntimes(
    db,
    workspaceId,
    {
      daemon_id: crypto.randomUUID(),
      device_info: 'bench',
      runtimes: [{ provider: 'claude', name: 'attribution', runtime_mode: 'local' }],
    },
    'bench',
  );
  const runtimeId = runtime!.id;
  const pricer = createPricer();
  let batch: RuntimeUsageEvent[] = [];
  let events = 0;
  const flush = async () => {
    const rows = collapseByKey(batch);
    batch = [];
    await db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      await writeUsageEvents(tx, rows, pricer);
    });
  };
  const dayMs = 86_400_000;
  const firstDay = Math.floor(Date.now() / dayMs) * dayMs - days * dayMs;
  for (let d = 0; d < days; d++) {
    for (let u = 0; u < ATTRIBUTION_USERS; u++) {
      for (let s = 0; s < SESSIONS_PER_USER_DAY; s++) {
        const project = (u * 7 + d * 3 + s) % ATTRIBUTION_PROJECTS;
        const start = firstDay + d * dayMs + ((u * 37 + s * 131) % (22 * 60)) * 60_000;
        BENCH_MODELS.forEach((model, m) => {
          batch.push({
            runtime_id: runtimeId,
            id: `attr-${d}-${u}-${s}-${m}`,
            ts: new Date(start + m * 12 * 60_000).toISOString(),
            provider: model.startsWith('gpt') ? 'codex' : 'claude',
            model,
            input_tokens: 1000 + ((u * 13 + s * 7 + m) % 500),
            output_tokens: 200 + m,
            cache_read_tokens: 20_000 + d,
            cache_write_tokens: 800,
            project: `project-${project}`,
            user: `user-${u}@example.com`,
            session_id: `session-${d}-${u}-${s}`,
          });
          events++;
        });
        if (batch.length >= 4000) await flush();
      }
    }
  }
  if (batch.length > 0) await flush();
  return events;
}

async function timed(url: string, token: string): Promise<{ ms: number; rows: number }> {
  const t = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const rows = ((await res.json()) as unknown[]).length;
  return { ms: performance.now() - t, rows };
}

export async function runAttribution(o: {
  baseUrl: string;
  memberToken: string;
  latencyS: number;
  amount?: number;
}): Promise<AttributionView[]> {
  const views: AttributionView[] = [];
  for (const view of ATTRIBUTION_VIEWS) {
    const url = (tz: string) => `${o.baseUrl}/api/usage?days=90&tz=${encodeURIComponent(tz)}${view.query}`;
    const coldMs: number[] = [];
    let rows = 0;
    for (const tz of COLD_ZONES) {
      const answer = await timed(url(tz), o.memberToken);
      coldMs.push(answer.ms);
      if (tz === 'UTC') rows = answer.rows;
    }
    const lat = await autocannon({
      url: url('UTC'),
      connections: 1,
      ...(o.amount ? { amount: o.amount } : { duration: o.latencyS }),
      headers: { authorization: `Bearer ${o.memberToken}` },
      timeout: 10,
    });
    views.push({
      id: view.id,
      rows,
      p50Ms: lat.latency.p50,
      p99Ms: lat.latency.p99,
      requests: lat.requests.total,
      non2xx: lat.non2xx,
      errors: lat.errors + lat.timeouts,
      coldMs,
    });
  }
  return views;
}
