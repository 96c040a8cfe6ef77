/**
 * What an ack promises: `ok: true` means committed in Postgres (seen at once by another connection), `ok: false`
 * means nothing was written. The hub reaches Postgres through a TCP proxy here, so the test can cut it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPostgres } from '../../server/store';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ADVISORY_WAITERS_SQL, type FreshDatabase, freshDatabase } from '../helpers/postgres';
import { type ClientSocket, call, connect, eventually, hello } from '../helpers/sockets';
import { startTcpProxy, type TcpProxy, throughProxy } from '../helpers/tcp-proxy';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const usageEvent = (id: string, n: number) => ({
  id,
  ts: hourAgo,
  provider: 'claude',
  model: 'claude-haiku-4-5',
  input_tokens: n,
  output_tokens: n + 1,
  cache_read_tokens: 0,
  cache_write_tokens: 2 * n,
});
const UNAVAILABLE = {
  ok: false,
  error: { code: 'unavailable', message: expect.any(String) },
};

/** A pool of its own (not the hub's, and never through the proxy), reading bigint counts as numbers. */
function directPool(connectionString: string): pg.Pool {
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
  return new pg.Pool({ connectionString, max: 4, types: { getTypeParser } });
}

describe('acks', () => {
  let fresh: FreshDatabase;
  let proxy: TcpProxy;
  let hub: TestHub;
  let sql: pg.Pool;
  let daemon: ClientSocket;
  let runtimeId: string;

  const eventIds = async () =>
    (await sql.query<{ id: string }>('SELECT id FROM usage_events WHERE runtime_id = $1', [runtimeId])).rows
      .map((r) => r.id)
      .sort();

  beforeAll(async () => {
    fresh = await freshDatabase();
    const direct = openPostgres(fresh.url);
    await migrate(direct);
    await direct.close();
    const target = new URL(fresh.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    hub = await startTestHub({ databaseUrl: throughProxy(fresh.url, proxy) });
    sql = directPool(fresh.url);
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    runtimeId = (await hello(daemon)).claude!;
  });

  afterAll(async () => {
    daemon?.close();
    proxy?.restore();
    await sql?.end();
    await hub?.stop();
    await proxy?.close();
    await fresh?.drop();
  });

  it('has every acked usage event and task in Postgres the moment the ack arrives', async () => {
    for (let i = 0; i < 10; i++) {
      const ids = [`ok-${i}-a`, `ok-${i}-b`, `ok-${i}-c`];
      const ack = await call(daemon, 'usage', {
        runtime_id: runtimeId,
        events: ids.map((id) => usageEvent(id, i)),
      });
      expect(ack).toEqual({ ok: true, data: { accepted: 3 } });
      const { rows } = await sql.query(
        'SELECT id, input_tokens, output_tokens, cache_write_tokens FROM usage_events WHERE runtime_id = $1 AND id = ANY($2) ORDER BY id',
        [runtimeId, ids],
      );
      expect(rows).toEqual(
        ids.map((id) => ({ id, input_tokens: i, output_tokens: i + 1, cache_write_tokens: 2 * i })),
      );
    }
    const task = { id: 'acked-task', status: 'completed', created_at: hourAgo, completed_at: hourAgo };
    expect(await call(daemon, 'task', { runtime_id: runtimeId, tasks: [task] })).toEqual({
      ok: true,
      data: { accepted: 1 },
    });
    const { rows } = await sql.query('SELECT id, status FROM tasks WHERE runtime_id = $1', [runtimeId]);
    expect(rows).toEqual([{ id: 'acked-task', status: 'completed' }]);
  });

  it('has the rows of concurrent calls in Postgres as each ack arrives', async () => {
    const calls = Array.from({ length: 40 }, async (_, i) => {
      const ack = await call(daemon, 'usage', {
        runtime_id: runtimeId,
        events: [usageEvent(`burst-${i}`, 1)],
      });
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM usage_events WHERE id = $1', [
        `burst-${i}`,
      ]);
      return { ack, n: rows[0].n };
    });
    for (const result of await Promise.all(calls)) {
      expect(result).toEqual({ ack: { ok: true, data: { accepted: 1 } }, n: 1 });
    }
  });

  it('answers unavailable and writes nothing while Postgres is unreachable, then recovers without a restart', async () => {
    const before = await eventIds();
    const tasksBefore = (await sql.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n;
    proxy.cut();
    try {
      expect(
        await call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('down-1', 5)] }),
      ).toEqual(UNAVAILABLE);
      expect(
        await call(daemon, 'task', {
          runtime_id: runtimeId,
          tasks: [{ id: 'down-task', status: 'queued', created_at: hourAgo }],
        }),
      ).toEqual(UNAVAILABLE);
      // A runtime this node has not seen yet cannot be checked either: unavailable, not internal or not_found.
      expect(
        await call(daemon, 'usage', {
          runtime_id: '00000000-0000-4000-8000-000000000000',
          events: [usageEvent('down-2', 5)],
        }),
      ).toEqual(UNAVAILABLE);
      expect(
        await call(daemon, 'hello', {
          daemon_id: '7b1c2d3e-4a5b-4c6d-8e7f-000000000001',
          device_info: 'offline',
          runtimes: [{ provider: 'codex', name: 'codex@down', runtime_mode: 'local' }],
        }),
      ).toEqual(UNAVAILABLE);
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(503);
      expect(daemon.connected).toBe(true);
    } finally {
      proxy.restore();
    }

    expect(await eventIds()).toEqual(before);
    expect((await sql.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(tasksBefore);
    expect(
      (await sql.query("SELECT count(*)::int AS n FROM runtimes WHERE provider = 'codex'")).rows[0].n,
    ).toBe(0);

    // The same node, the same socket: the retried call is committed once Postgres answers again.
    await eventually(
      async () =>
        (await call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('down-1', 5)] })).ok,
      15_000,
      200,
    );
    expect(await eventIds()).toEqual([...before, 'down-1'].sort());
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
    const { rows } = await sql.query(
      'SELECT sum(input_tokens)::int AS input FROM usage_quarter WHERE runtime_id = $1',
      [runtimeId],
    );
    // 10 calls of 3 events with input i, 40 events of 1, and down-1 with 5.
    expect(rows).toEqual([{ input: 3 * 45 + 40 + 5 }]);
  });

  it('answers unavailable when the connection drops in the middle of a commit, and a re-send stores the event once', async () => {
    // Hold the runtime's write lock from outside, so the hub's transaction is open and waiting when the cut comes.
    // (The reset reaches the pg client that transaction checked out of the pool; store/database.ts must listen for
    // its 'error' event, or the hub process dies of an uncaught ECONNRESET.)
    const blocker = await sql.connect();
    try {
      await blocker.query('SELECT pg_advisory_lock(hashtextextended($1::uuid::text, 41))', [runtimeId]);
      const pending = call(daemon, 'usage', {
        runtime_id: runtimeId,
        events: [usageEvent('mid-commit', 7)],
      });
      await eventually(async () => (await sql.query(ADVISORY_WAITERS_SQL)).rows[0].n === 1, 10_000);
      proxy.cut();
      expect(await pending).toEqual(UNAVAILABLE);
      proxy.restore();
      await blocker.query('SELECT pg_advisory_unlock(hashtextextended($1::uuid::text, 41))', [runtimeId]);
    } finally {
      proxy.restore();
      blocker.release();
    }
    // A usage-only commit is one statement in its own transaction: once the lock is free, Postgres may still finish
    // the statement the cut connection sent (a commit in doubt, which is why the answer was unavailable). Wait
    // until it has finished or been dropped; either way the re-send below must leave the event exactly once.
    await eventually(async () => (await sql.query(ADVISORY_WAITERS_SQL)).rows[0].n === 0, 10_000);
    expect((await eventIds()).filter((id) => id === 'mid-commit').length).toBeLessThanOrEqual(1);
    await eventually(
      async () =>
        (await call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('mid-commit', 7)] })).ok,
      15_000,
      200,
    );
    expect((await eventIds()).filter((id) => id === 'mid-commit')).toEqual(['mid-commit']);
  });
});
