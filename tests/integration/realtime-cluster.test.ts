/**
 * Two hub nodes on one Postgres and one Redis: a daemon on node A, dashboards of two workspaces on node B.
 * What B's dashboards receive must add up to the database, and only ever concern their own workspace.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime, TaskPush, UsagePush, UsageRow } from '../../shared';
import { startTestHub, type TestHub, type TestWorkspace, uniqueRedisPrefix } from '../helpers/hub';
import { type ClientSocket, call, callOk, connect, eventually, hello } from '../helpers/sockets';

const HOUR_MS = 3_600_000;
/** Start of the UTC hour `n` hours ago (recent enough for the REST views' default window). */
const hourAgo = (n: number) => new Date((Math.floor(Date.now() / HOUR_MS) - n) * HOUR_MS);

interface Counts {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
}
const COUNT_KEYS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'] as const;

function usageEvent(id: string, at: Date, n: number, model = 'claude-sonnet-4-5') {
  return {
    id,
    ts: new Date(at.getTime() + 17 * 60_000).toISOString(),
    provider: 'claude',
    model,
    input_tokens: n,
    output_tokens: 2 * n,
    cache_read_tokens: 3 * n,
    cache_write_tokens: n % 7,
  };
}

/** Sums deltas by key, dropping keys that net to zero. */
function sumBy<T extends Counts>(rows: T[], key: (row: T) => string): Record<string, Counts> {
  const sums: Record<string, Counts> = {};
  for (const row of rows) {
    const k = key(row);
    sums[k] ??= { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    for (const c of COUNT_KEYS) sums[k][c] += row[c];
  }
  for (const [k, v] of Object.entries(sums)) if (COUNT_KEYS.every((c) => v[c] === 0)) delete sums[k];
  return sums;
}

/** A pg client of its own (not the hub's pool), reading bigint and numeric (the rollup's sums) as numbers. */
function directClient(connectionString: string): pg.Client {
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
  return new pg.Client({ connectionString, types: { getTypeParser } });
}

describe('a two-node cluster', () => {
  let a: TestHub;
  let b: TestHub;
  let second: TestWorkspace;
  let sql: pg.Client;
  let daemon: ClientSocket;
  let intruder: ClientSocket;
  let dashboard: ClientSocket;
  let otherDashboard: ClientSocket;
  let runtimeId: string;
  const seen: { runtime: Runtime[]; usage: UsagePush[]; task: TaskPush[] } = {
    runtime: [],
    usage: [],
    task: [],
  };
  const otherSeen: Record<string, unknown[]> = {};

  /** Usage pushes for our runtime, summed per (hour, provider, model). */
  const pushedByHour = () =>
    sumBy(
      seen.usage.flatMap((p) => p.deltas as (Counts & { hour: string; provider: string; model: string })[]),
      (d) => `${d.hour}|${d.provider}|${d.model}`,
    );
  const hourlyInDb = async () => {
    const { rows } = await sql.query<Counts & { hour: Date; provider: string; model: string }>(
      `SELECT date_trunc('hour', bucket, 'UTC') AS hour, provider, model, input_tokens, output_tokens, cache_read_tokens,
              cache_write_tokens FROM usage_quarter WHERE runtime_id = $1`,
      [runtimeId],
    );
    return sumBy(rows, (r) => `${r.hour.toISOString()}|${r.provider}|${r.model}`);
  };
  const count = async (table: string) =>
    (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  beforeAll(async () => {
    const redisPrefix = uniqueRedisPrefix();
    a = await startTestHub({ redisPrefix });
    b = await startTestHub({ databaseUrl: a.databaseUrl, redisPrefix });
    second = await a.newWorkspace('second');
    sql = directClient(a.databaseUrl);
    await sql.connect();

    dashboard = await connect(b.url, '/dashboard', a.memberToken);
    dashboard.on('runtime', (r: Runtime) => seen.runtime.push(r));
    dashboard.on('usage', (p: UsagePush) => seen.usage.push(p));
    dashboard.on('task', (p: TaskPush) => seen.task.push(p));
    otherDashboard = await connect(b.url, '/dashboard', second.memberToken);
    otherDashboard.onAny((event: string, payload: unknown) => {
      otherSeen[event] ??= [];
      otherSeen[event].push(payload);
    });
    daemon = await connect(a.url, '/daemon', a.daemonToken);
    intruder = await connect(b.url, '/daemon', second.daemonToken);
  });

  afterAll(async () => {
    for (const s of [daemon, intruder, dashboard, otherDashboard]) s?.close();
    await sql?.end();
    await b?.stop();
    await a?.destroy();
  });

  it('pushes the runtime to its workspace dashboard on the other node when a daemon says hello', async () => {
    runtimeId = (await hello(daemon, ['claude'])).claude!;
    const pushed = await eventually(() => seen.runtime.find((r) => r.id === runtimeId), 10_000);
    const [stored] = (await sql.query('SELECT status, workspace_id FROM runtimes WHERE id = $1', [runtimeId]))
      .rows;
    expect(pushed).toMatchObject({
      id: runtimeId,
      workspace_id: a.workspaceId,
      provider: 'claude',
      status: 'online',
    });
    expect(stored).toEqual({ status: 'online', workspace_id: a.workspaceId });
  });

  it('streams usage deltas whose sums equal the rollup and the REST usage view', async () => {
    const calls = [
      [usageEvent('e1', hourAgo(1), 100), usageEvent('e2', hourAgo(1), 5)],
      [usageEvent('e3', hourAgo(2), 40, 'claude-opus-4-1'), usageEvent('e4', hourAgo(1), 1)],
      [usageEvent('e5', hourAgo(0), 9)],
    ];
    for (const events of calls) {
      expect(await callOk(daemon, 'usage', { runtime_id: runtimeId, events })).toEqual({
        accepted: events.length,
      });
    }
    const inDb = await hourlyInDb();
    expect(Object.keys(inDb)).toHaveLength(3);
    await eventually(() => expect(pushedByHour()).toEqual(inDb), 10_000);
    expect(seen.usage.every((p) => p.runtime_id === runtimeId)).toBe(true);

    const res = await fetch(`${b.url}/api/usage?days=3&tz=UTC`, {
      headers: { authorization: `Bearer ${a.memberToken}` },
    });
    const rows = (await res.json()) as UsageRow[];
    const pushedByDay = sumBy(
      seen.usage.flatMap((p) => p.deltas as (Counts & { hour: string; model: string })[]),
      (d) => `${d.hour.slice(0, 10)}|${d.model}`,
    );
    const restByDay = sumBy(rows, (r) => `${r.date}|${r.model}`);
    expect(restByDay).toEqual(pushedByDay);
  });

  it('pushes only the difference when an event is replaced by a larger one, and nothing for a smaller re-send', async () => {
    const before = seen.usage.length;
    const original = usageEvent('e1', hourAgo(1), 100);
    const larger = { ...original, input_tokens: 130, output_tokens: 260 };
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [larger] });
    await eventually(() => seen.usage.length === before + 1, 10_000);
    expect(seen.usage[before]).toEqual({
      runtime_id: runtimeId,
      deltas: [
        {
          hour: hourAgo(1).toISOString(),
          // usageEvent reports 17 minutes into the hour: the second quarter.
          at: new Date(hourAgo(1).getTime() + 15 * 60_000).toISOString(),
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 30,
          output_tokens: 60,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
          // The cost of the difference at Sonnet 4.5's list price: 30 × $3/M + 60 × $15/M.
          cost_usd: 0.00099,
          unpriced_tokens: 0,
        },
      ],
      // Relayed through Redis unchanged: the transaction that wrote the row (xmin; the xid8 epoch is 0 here).
      commit: expect.stringMatching(/^[0-9]+$/),
    });
    const [written] = (await sql.query('SELECT xmin::text AS xid FROM usage_events WHERE id = $1', ['e1']))
      .rows;
    expect(seen.usage[before]!.commit).toBe(written.xid);

    // A smaller re-send is acked (it is not an error) but changes nothing; a later call is the barrier that
    // proves no push was on its way for it.
    expect(await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [original] })).toEqual({
      accepted: 1,
    });
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('barrier', hourAgo(0), 1)] });
    await eventually(() => seen.usage.length === before + 2, 10_000);
    expect(seen.usage[before + 1]!.deltas).toEqual([
      {
        hour: hourAgo(0).toISOString(),
        at: new Date(hourAgo(0).getTime() + 15 * 60_000).toISOString(),
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        input_tokens: 1,
        output_tokens: 2,
        cache_read_tokens: 3,
        cache_write_tokens: 1,
        cost_usd: 0.00003765,
        unpriced_tokens: 0,
      },
    ]);
    const [e1] = (await sql.query('SELECT input_tokens FROM usage_events WHERE id = $1', ['e1'])).rows;
    expect(e1).toEqual({ input_tokens: 130 });
    expect(pushedByHour()).toEqual(await hourlyInDb());
  });

  it('pushes task reports to the workspace room on the other node', async () => {
    const task = {
      id: 'task-1',
      status: 'running',
      created_at: '2026-01-05T10:00:00Z',
      started_at: '2026-01-05T10:00:03+02:00',
    };
    expect(await callOk(daemon, 'task', { runtime_id: runtimeId, tasks: [task] })).toEqual({ accepted: 1 });
    const pushed = await eventually(() => seen.task.find((t) => t.task.id === 'task-1'), 10_000);
    expect(pushed).toEqual({
      runtime_id: runtimeId,
      task: {
        id: 'task-1',
        status: 'running',
        created_at: '2026-01-05T10:00:00.000Z',
        started_at: '2026-01-05T08:00:03.000Z',
      },
      // What the commit changed in the hourly count (it created the task), and which commit it was.
      commit: expect.stringMatching(/^\d+$/),
      previous_at: null,
    });
  });

  it("refuses a daemon token of workspace 2 writing workspace 1's runtime with not_found, writing nothing", async () => {
    const before = { events: await count('usage_events'), tasks: await count('tasks') };
    const usage = await call(intruder, 'usage', {
      runtime_id: runtimeId,
      events: [usageEvent('intruder', hourAgo(0), 1_000)],
    });
    const task = await call(intruder, 'task', {
      runtime_id: runtimeId,
      tasks: [{ id: 'intruder', status: 'queued', created_at: '2026-01-05T10:00:00Z' }],
    });
    expect(usage).toEqual({ ok: false, error: { code: 'not_found', message: 'runtime not found' } });
    expect(task).toEqual({ ok: false, error: { code: 'not_found', message: 'runtime not found' } });
    expect({ events: await count('usage_events'), tasks: await count('tasks') }).toEqual(before);
    expect(intruder.connected).toBe(true);
  });

  it("never sends workspace 2's dashboard anything of workspace 1", async () => {
    // A last push to workspace 1 through the same node: once it arrived, anything for workspace 2 would have too.
    const before = seen.usage.length;
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('last', hourAgo(0), 2)] });
    await eventually(() => seen.usage.length === before + 1, 10_000);
    expect(otherSeen).toEqual({});
    expect(seen.runtime.length).toBeGreaterThan(0);
    expect(seen.task.length).toBeGreaterThan(0);
  });
});
