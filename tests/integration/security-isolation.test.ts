/**
 * Tenant isolation: a member of workspace A can never read workspace B's runtimes, usage or activity (every route
 * answers exactly what it answers for an id that does not exist), A's dashboards never receive B's live events, and
 * a daemon token of A can never write B's runtimes (socket and REST refuse with not_found; nothing is written).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared';
import { rowsWrittenWhile } from '../helpers/arbitraries';
import { QUIET_BACKGROUND, startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { rest } from '../helpers/rest';
import {
  type ClientSocket,
  call,
  callOk,
  collect,
  connect,
  daemonId,
  eventually,
  hello,
} from '../helpers/sockets';

const CONFIG = {
  REST_RATE_PER_MIN: 1_000_000,
  HANDSHAKE_RATE_PER_S: 10_000,
  // No presence or retention writes during the tests: rowsWrittenWhile counts every committed row.
  ...QUIET_BACKGROUND,
};

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const event = (id: string) => ({
  id,
  ts: hourAgo(),
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 100,
  output_tokens: 200,
  cache_read_tokens: 300,
  cache_write_tokens: 400,
});
const today = () => new Date().toISOString().slice(0, 10);
const entry = (n: number) => ({
  date: today(),
  provider: 'claude',
  model: 'claude-opus-4-5',
  input_tokens: n,
  output_tokens: n,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe('tenant isolation', () => {
  let hub: TestHub;
  let a: TestWorkspace;
  let b: TestWorkspace;
  let daemonA: ClientSocket;
  let daemonB: ClientSocket;
  let aRuntimes: string[];
  let bRuntimes: string[];
  let bDaemonId: string;

  /** Everything stored about B's runtimes: their rows, usage, daily totals and tasks. */
  const bState = () =>
    hub.db.query(
      `SELECT r.id, r.name, r.device_info, r.metadata, r.runtime_mode, r.usage_version, r.workspace_id,
              (SELECT count(*)::int FROM usage_events e WHERE e.runtime_id = r.id) AS events,
              (SELECT coalesce(sum(input_tokens), 0)::text FROM usage_quarter h WHERE h.runtime_id = r.id) AS hourly,
              (SELECT coalesce(sum(input_tokens), 0)::text FROM usage_daily_totals d WHERE d.runtime_id = r.id) AS daily,
              (SELECT count(*)::int FROM tasks t WHERE t.runtime_id = r.id) AS tasks
       FROM runtimes r WHERE r.workspace_id = $1 ORDER BY r.id`,
      [b.workspaceId],
    );

  beforeAll(async () => {
    hub = await startTestHub({ config: CONFIG });
    a = hub;
    b = await hub.newWorkspace('b');
    daemonA = await connect(hub.url, '/daemon', a.daemonToken);
    daemonB = await connect(hub.url, '/daemon', b.daemonToken);
    aRuntimes = Object.values(await hello(daemonA, ['claude', 'codex'], daemonId()));
    bDaemonId = daemonId();
    bRuntimes = Object.values(await hello(daemonB, ['claude', 'codex'], bDaemonId));
    for (const [socket, runtimes] of [
      [daemonA, aRuntimes],
      [daemonB, bRuntimes],
    ] as const) {
      for (const id of runtimes) {
        await callOk(socket, 'usage', { runtime_id: id, events: [event(`e-${id}`)] });
        await callOk(socket, 'task', {
          runtime_id: id,
          tasks: [{ id: `t-${id}`, status: 'running', created_at: hourAgo() }],
        });
      }
    }
    const daily = await rest(`${hub.url}/api/daemon/runtimes/${bRuntimes[0]}/usage`, {
      token: b.daemonToken,
      body: { entries: [entry(7)] },
    });
    expect(daily.status).toBe(200);
  });

  afterAll(async () => {
    daemonA?.close();
    daemonB?.close();
    await hub?.destroy();
  });

  const READ_PATHS = [
    '',
    '/usage',
    '/usage?days=365',
    '/usage?format=csv',
    '/usage?tz=Asia/Kolkata&days=7',
    '/activity',
    '/activity?days=1&tz=Pacific/Auckland',
  ];

  it("answers a member of A for B's runtime on every route exactly as for an id that does not exist", async () => {
    const unknown = randomUUID();
    for (const suffix of READ_PATHS) {
      const none = await rest(`${hub.url}/api/runtimes/${unknown}${suffix}`, { token: a.memberToken });
      expect({ status: none.status, body: none.body }).toEqual({
        status: 404,
        body: { error: 'runtime not found', code: 'not_found' },
      });
      for (const id of bRuntimes.flatMap((r) => [r, r.toUpperCase()])) {
        const theirs = await rest(`${hub.url}/api/runtimes/${id}${suffix}`, { token: a.memberToken });
        expect({ path: suffix, status: theirs.status, body: theirs.body }).toEqual({
          path: suffix,
          status: none.status,
          body: none.body,
        });
      }
    }
  });

  it("never lists or sums B's runtimes in A's workspace views", async () => {
    const runtimes = await rest<Runtime[]>(`${hub.url}/api/runtimes`, { token: a.memberToken });
    expect(runtimes.body.map((r) => r.id).sort()).toEqual([...aRuntimes].sort());
    expect(new Set(runtimes.body.map((r) => r.workspace_id))).toEqual(new Set([a.workspaceId]));
    for (const query of ['', '?days=365', '?tz=Asia/Kolkata', '?format=csv']) {
      const usage = await rest(`${hub.url}/api/usage${query}`, { token: a.memberToken });
      expect(usage.status).toBe(200);
      for (const id of bRuntimes) expect(usage.text).not.toContain(id);
      for (const id of aRuntimes) expect(usage.text).toContain(id);
    }
    const me = await rest(`${hub.url}/api/me`, { token: a.memberToken });
    expect(me.body.workspace.id).toBe(a.workspaceId);
    // And the other way round: B sees its own daily totals, A does not.
    const bUsage = await rest<{ runtime_id: string; model: string }[]>(`${hub.url}/api/usage`, {
      token: b.memberToken,
    });
    expect(bUsage.body.some((r) => r.model === 'claude-opus-4-5')).toBe(true);
    const aUsage = await rest<{ model: string }[]>(`${hub.url}/api/usage`, { token: a.memberToken });
    expect(aUsage.body.some((r) => r.model === 'claude-opus-4-5')).toBe(false);
  });

  it("refuses every write of A's daemon to B's runtimes with not_found, on the socket and over REST, writing nothing", async () => {
    const before = await bState();
    const [, written] = await rowsWrittenWhile(hub.db, async () => {
      for (const id of bRuntimes.flatMap((r) => [r, r.toUpperCase()])) {
        const usage = await call(daemonA, 'usage', { runtime_id: id, events: [event('intruder')] });
        const task = await call(daemonA, 'task', {
          runtime_id: id,
          tasks: [{ id: 'intruder', status: 'failed', created_at: hourAgo() }],
        });
        for (const ack of [usage, task]) {
          expect(ack).toEqual({ ok: false, error: { code: 'not_found', message: 'runtime not found' } });
        }
        const restCalls = [
          rest(`${hub.url}/api/daemon/usage`, {
            token: a.daemonToken,
            body: { runtime_id: id, events: [event('intruder')] },
          }),
          rest(`${hub.url}/api/daemon/tasks`, {
            token: a.daemonToken,
            body: { runtime_id: id, tasks: [{ id: 'intruder', status: 'failed', created_at: hourAgo() }] },
          }),
          rest(`${hub.url}/api/daemon/runtimes/${id}/usage`, {
            token: a.daemonToken,
            body: { entries: [entry(999)] },
          }),
        ];
        for (const res of await Promise.all(restCalls)) {
          expect({ status: res.status, body: res.body }).toEqual({
            status: 404,
            body: { error: 'runtime not found', code: 'not_found' },
          });
        }
      }
    });
    expect(written).toBe(0);
    expect(await bState()).toEqual(before);
  });

  it("registers A's own runtime when A's daemon says hello with B's daemon id, leaving B's runtimes as they were", async () => {
    const before = await bState();
    const result = await callOk<{ runtimes: Runtime[] }>(daemonA, 'hello', {
      daemon_id: bDaemonId,
      device_info: 'impostor',
      runtimes: [{ provider: 'claude', name: 'hijacked', runtime_mode: 'cloud', metadata: { owner: 'a' } }],
    });
    expect(result.runtimes).toHaveLength(1);
    expect(result.runtimes[0]).toMatchObject({
      workspace_id: a.workspaceId,
      daemon_id: bDaemonId,
      name: 'hijacked',
    });
    expect(bRuntimes).not.toContain(result.runtimes[0]!.id);
    expect(await bState()).toEqual(before);
  });

  it("never sends B's live events to A's dashboards, while B's dashboards get them", async () => {
    const watchA = await connect(hub.url, '/dashboard', a.memberToken);
    const watchB = await connect(hub.url, '/dashboard', b.memberToken);
    const seenByA: { event: string; payload: Record<string, unknown> }[] = [];
    watchA.onAny((event: string, payload: Record<string, unknown>) => seenByA.push({ event, payload }));
    const seenByB = {
      runtime: collect<Runtime>(watchB, 'runtime'),
      usage: collect<{ runtime_id: string }>(watchB, 'usage'),
      task: collect<{ runtime_id: string }>(watchB, 'task'),
    };
    try {
      // B's daemon registers, reports over the socket and REST, then goes away.
      const other = await connect(hub.url, '/daemon', b.daemonToken);
      const fresh = Object.values(await hello(other, ['gemini'], daemonId()));
      const bIds = [...bRuntimes, ...fresh];
      await callOk(other, 'usage', { runtime_id: fresh[0], events: [event('live')] });
      await callOk(other, 'task', {
        runtime_id: fresh[0],
        tasks: [{ id: 'live', status: 'completed', created_at: hourAgo() }],
      });
      const daily = await rest(`${hub.url}/api/daemon/runtimes/${bRuntimes[1]}/usage`, {
        token: b.daemonToken,
        body: { entries: [entry(11)] },
      });
      expect(daily.status).toBe(200);
      other.close();
      await eventually(
        () =>
          seenByB.runtime.some((r) => r.id === fresh[0] && r.status === 'offline') &&
          seenByB.usage.some((u) => u.runtime_id === bRuntimes[1]) &&
          seenByB.task.length > 0,
      );
      // A's own activity reaches A (so A's socket is live), and nothing of B ever did.
      await callOk(daemonA, 'usage', { runtime_id: aRuntimes[0], events: [event('a-marker')] });
      await eventually(() => seenByA.some((e) => e.payload.runtime_id === aRuntimes[0]));
      const leaked = JSON.stringify(seenByA);
      for (const id of [...bIds, b.workspaceId]) expect(leaked).not.toContain(id);
    } finally {
      watchA.close();
      watchB.close();
    }
  });

  it('opens no dashboard with a daemon token and no daemon connection with a member token', async () => {
    await expect(connect(hub.url, '/dashboard', b.daemonToken)).rejects.toThrow('unauthorized');
    await expect(connect(hub.url, '/daemon', b.memberToken)).rejects.toThrow('unauthorized');
  });
});
