/**
 * The snapshot of a usage answer and the commit of a usage push, on both databases: the page's visibility rule
 * (shared/snapshot.ts) agrees with Postgres's own pg_visible_in_snapshot, an answer names the snapshot its rows
 * were read at, a push names the transaction that wrote it, and a cached answer keeps the snapshot it was read at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedIn, parseSnapshot, USAGE_SNAPSHOT_HEADER } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type HubUnderTest, hubKinds } from '../helpers/hub-kinds';
import { rest } from '../helpers/rest';
import { type ClientSocket, callOk, collect, connect, eventually, hello } from '../helpers/sockets';

const event = (id: string, input: number) => ({
  id,
  ts: new Date(Date.now() - 60_000).toISOString(),
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

/** Deterministic pseudo-random integers, so a failure replays. */
function lcg(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

describe.each(hubKinds)('usage snapshots on %s', (_kind, start) => {
  let hub: HubUnderTest;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  let runtimeId: string;

  beforeAll(async () => {
    hub = await start();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    runtimeId = (await hello(daemon)).claude!;
  });

  afterAll(async () => {
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it('tells a commit in or out of a snapshot exactly as pg_visible_in_snapshot does', async () => {
    const rand = lcg(15);
    const cases: { snapshot: string; xid: string }[] = [];
    for (let i = 0; i < 300; i++) {
      const xmin = 3 + rand(50);
      const xmax = xmin + rand(8);
      const xip = [...new Set(Array.from({ length: rand(4) }, () => xmin + rand(Math.max(1, xmax - xmin))))]
        .filter((x) => x < xmax)
        .sort((a, b) => a - b);
      cases.push({
        snapshot: `${xmin}:${xmax}:${xip.join(',')}`,
        xid: String(xmin - 3 + rand(xmax - xmin + 6)),
      });
    }
    // 64-bit ids past 2^53, where a JavaScript number would round.
    cases.push({ snapshot: '9007199254740993:9007199254740996:9007199254740994', xid: '9007199254740994' });
    cases.push({ snapshot: '9007199254740993:9007199254740996:9007199254740994', xid: '9007199254740995' });
    cases.push({ snapshot: '9007199254740993:9007199254740996:', xid: '9007199254740992' });
    const rows = await hub.db.query<{ i: number; visible: boolean }>(
      `SELECT t.i::int AS i, pg_visible_in_snapshot(t.xid::xid8, t.snap::pg_snapshot) AS visible
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(snap, xid, i) ORDER BY t.i`,
      [cases.map((c) => c.snapshot), cases.map((c) => c.xid)],
    );
    const ours = cases.map((c) => committedIn(c.xid, parseSnapshot(c.snapshot)!));
    expect(ours).toEqual(rows.map((r) => r.visible));
    expect(new Set(ours)).toEqual(new Set([true, false]));
  });

  it("reads Postgres's own snapshot text and refuses what is not one", async () => {
    const [row] = await hub.db.query<{ s: string; x: string }>(
      'SELECT pg_current_snapshot()::text AS s, pg_snapshot_xmax(pg_current_snapshot())::text AS x',
    );
    expect(parseSnapshot(row!.s)?.xmax).toBe(BigInt(row!.x));
    expect(parseSnapshot('5:3:')).toBeNull();
    expect(parseSnapshot('')).toBeNull();
    expect(parseSnapshot(null)).toBeNull();
    expect(parseSnapshot('1:2:x')).toBeNull();
  });

  /**
   * The transaction that last wrote the event's daily workspace rollup row: the commit's own xid. Not the event
   * row's xmin: the write function inserts new events in a subtransaction (a plain insert that may fall back to
   * ON CONFLICT), so their xmin is that subtransaction's xid, one above the commit's. Not the runtime's daily row:
   * a commit leaves the runtime levels alone for the hours at or after their watermark (runtime-levels.ts).
   */
  async function commitOfEvent(id: string): Promise<{ xid: string }> {
    const [row] = await hub.db.query<{ xid: string }>(
      `SELECT d.xmin::text AS xid FROM usage_workspace_daily d JOIN runtimes r ON r.workspace_id = d.workspace_id
         JOIN usage_events e ON r.id = e.runtime_id AND d.provider = e.provider AND d.model = e.model
        AND d.day = (e.ts AT TIME ZONE 'UTC')::date
       WHERE e.id = $1`,
      [id],
    );
    return row!;
  }

  it('names in each push the commit that wrote it: out of an answer read before it, in one read after', async () => {
    const path = `${hub.url}/api/runtimes/${runtimeId}/usage?days=7&tz=UTC`;
    const before = await rest(path, { token: hub.memberToken });
    expect(before.status).toBe(200);
    const pushes = collect<{ commit?: string }>(dashboard, 'usage');
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [event('named-1', 11)] });
    await eventually(() => pushes.length === 1);
    const commit = pushes[0]!.commit!;
    const stored = await commitOfEvent('named-1');
    // The write's rows of new events are written in its plain insert's subtransaction, whose id (the rows' xmin: a
    // 32-bit id is the xid8 while the epoch is 0, a fresh cluster's and PGlite's) comes after the commit's own.
    // With the snapshots below, a push naming an earlier transaction (visible before) or a later one fails.
    expect(BigInt(stored.xid)).toBeGreaterThanOrEqual(BigInt(commit));
    const [status] = await hub.db.query<{ s: string }>('SELECT pg_xact_status($1::xid8) AS s', [commit]);
    expect(status!.s).toBe('committed');
    const after = await rest(path, { token: hub.memberToken });
    const snapshotBefore = parseSnapshot(before.headers.get(USAGE_SNAPSHOT_HEADER))!;
    const snapshotAfter = parseSnapshot(after.headers.get(USAGE_SNAPSHOT_HEADER))!;
    expect(committedIn(commit, snapshotBefore)).toBe(false);
    expect(committedIn(commit, snapshotAfter)).toBe(true);
    expect(after.body).toEqual([expect.objectContaining({ runtime_id: runtimeId, input_tokens: 11 })]);
  });

  it('names the commit of a daily-totals report, and of a usage commit that records budget spend with it', async () => {
    const pushes = collect<{ commit?: string; deltas: unknown[] }>(dashboard, 'usage');
    const entry = {
      date: new Date().toISOString().slice(0, 10),
      provider: 'claude',
      model: 'claude-sonnet-4-5',
    };
    const counts = { input_tokens: 40, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    const daily = await rest(`${hub.url}/api/daemon/runtimes/${runtimeId}/usage`, {
      token: hub.daemonToken,
      body: { entries: [{ ...entry, ...counts }] },
    });
    expect(daily.status).toBe(200);
    await eventually(() => pushes.length === 1);
    const [dailyRow] = await hub.db.query<{ xid: string }>(
      'SELECT xmin::text AS xid FROM usage_daily_totals',
    );
    expect(pushes[0]!.commit).toBe(dailyRow!.xid);
    expect(pushes[0]!.deltas).toEqual([{ ...entry, ...counts, cost_usd: 0.00012, unpriced_tokens: 0 }]);

    // With a budget in the workspace a usage commit is a transaction of its own (BEGIN … COMMIT).
    const budget = await rest(`${hub.url}/api/budgets`, {
      token: hub.memberToken,
      body: { name: 'b', scope: { kind: 'workspace' }, period: 'day', tz: 'UTC', amount_usd: 100 },
    });
    expect(budget.status).toBe(200);
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [event('budgeted-1', 9)] });
    await eventually(() => pushes.length === 2);
    // The budget's spend is written by the commit itself (not the usage write's subtransaction): its row's xmin is
    // the commit's id.
    const spend = await hub.db.query<{ xid: string }>('SELECT xmin::text AS xid FROM budget_periods');
    expect(spend).toEqual([{ xid: pushes[1]!.commit }]);
    const stored = await commitOfEvent('budgeted-1');
    expect(BigInt(stored.xid)).toBeGreaterThanOrEqual(BigInt(pushes[1]!.commit!));
  });

  it('answers a cached view with the snapshot it was read at, on every usage route', async () => {
    const paths = [
      `/api/runtimes/${runtimeId}/usage?days=30&tz=UTC`,
      `/api/runtimes/${runtimeId}/usage?days=30&tz=UTC&group_by=project`,
      '/api/usage?days=30&tz=UTC',
      '/api/usage?days=30&tz=UTC&group_by=model',
    ];
    const first = await Promise.all(paths.map((p) => rest(`${hub.url}${p}`, { token: hub.memberToken })));
    // A commit outside this workspace (a transaction that only takes an id) moves Postgres's snapshot on but not
    // this workspace's usage version: every answer is a cache hit.
    const other = await hub.db.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x');
    expect(other).toHaveLength(1);
    const again = await Promise.all(paths.map((p) => rest(`${hub.url}${p}`, { token: hub.memberToken })));
    for (const [i, answer] of again.entries()) {
      expect(answer.headers.get(USAGE_SNAPSHOT_HEADER)).toMatch(/^\d+:\d+:[\d,]*$/);
      expect(answer.headers.get(USAGE_SNAPSHOT_HEADER)).toBe(first[i]!.headers.get(USAGE_SNAPSHOT_HEADER));
      expect(answer.body).toEqual(first[i]!.body);
    }
    // The snapshot is no part of the contract's body, nor of the CSV.
    const csv = await rest(`${hub.url}${paths[0]}&format=csv`, { token: hub.memberToken });
    expect(csv.text.split(/\r?\n/)[0]).toBe(
      'runtime_id,date,provider,model,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd',
    );
  });
});

describe('the usage snapshot header, documented and readable across origins', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ config: { CORS_ORIGINS: ['https://wall.example'] } });
  });

  afterAll(async () => {
    await hub?.destroy();
  });

  it('is exposed to an allowed origin and described in the OpenAPI document of both usage routes', async () => {
    const res = await fetch(`${hub.url}/api/usage?days=7&tz=UTC`, {
      headers: { authorization: `Bearer ${hub.memberToken}`, origin: 'https://wall.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-expose-headers')).toBe(USAGE_SNAPSHOT_HEADER);
    expect(parseSnapshot(res.headers.get(USAGE_SNAPSHOT_HEADER))).not.toBeNull();
    const doc = (await rest(`${hub.url}/api/openapi.json`)).body;
    for (const path of ['/api/usage', '/api/runtimes/{id}/usage']) {
      const headers = doc.paths[path].get.responses['200'].headers;
      expect(Object.keys(headers)).toEqual([USAGE_SNAPSHOT_HEADER, 'Link']);
      expect(headers[USAGE_SNAPSHOT_HEADER].schema).toEqual({ type: 'string' });
    }
  });
});
