/**
 * Presence: a runtime is online while its daemon holds a connection, and offline soon after it is lost — however
 * it is lost, even when the node holding it dies without a word. Short presence timings keep this fast.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type FreshDatabase, freshDatabase } from '../helpers/postgres';
import { type ClientSocket, collect, connect, daemonId, eventually, hello } from '../helpers/sockets';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const PRESENCE = { PRESENCE_TIMEOUT_MS: 1500, PRESENCE_HEARTBEAT_MS: 300, PRESENCE_SWEEP_MS: 300 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Simulates a node dying: no more heartbeats, and nothing it would do on the way out reaches Postgres (its pool is
 * gone before its sockets close, so its releases fail as they would in a killed process).
 */
async function crash(node: TestHub): Promise<void> {
  node.hub.presence.stop();
  await node.db.close();
  await node.hub.close();
}

describe('presence', () => {
  let fresh: FreshDatabase;
  let a: TestHub;
  let b: TestHub;
  let crashed = false;
  const sockets: ClientSocket[] = [];
  const proxies: TcpProxy[] = [];

  const open = async (node: TestHub, ns: '/daemon' | '/dashboard', token: string) => {
    const socket = await connect(node.url, ns, token);
    sockets.push(socket);
    return socket;
  };
  const restStatus = async (node: TestHub, runtimeId: string) => {
    const res = await fetch(`${node.url}/api/runtimes`, {
      headers: { authorization: `Bearer ${a.memberToken}` },
    });
    const runtimes = (await res.json()) as Runtime[];
    return runtimes.find((r) => r.id === runtimeId)?.status;
  };
  const offlineEvent = (seen: Runtime[], runtimeId: string) =>
    seen.find((r) => r.id === runtimeId && r.status === 'offline');

  beforeAll(async () => {
    // Both nodes join a database created here, so node A can die without taking the database with it.
    fresh = await freshDatabase();
    a = await startTestHub({ databaseUrl: fresh.url, config: PRESENCE });
    b = await startTestHub({ databaseUrl: fresh.url, config: PRESENCE });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const p of proxies.splice(0)) await p.close();
  });
  afterAll(async () => {
    await b?.stop();
    if (!crashed) await a?.stop();
    await fresh?.drop();
  });

  it('takes a runtime offline and tells the dashboard when its daemon disconnects', async () => {
    const dashboard = await open(a, '/dashboard', a.memberToken);
    const seen = collect<Runtime>(dashboard, 'runtime');
    const daemon = await open(a, '/daemon', a.daemonToken);
    const runtimeId = (await hello(daemon)).claude!;
    expect(await restStatus(a, runtimeId)).toBe('online');

    daemon.disconnect();
    const offline = await eventually(() => offlineEvent(seen, runtimeId), 5_000);
    expect(offline).toMatchObject({ id: runtimeId, workspace_id: a.workspaceId, status: 'offline' });
    expect(await restStatus(a, runtimeId)).toBe('offline');
  });

  it('takes a runtime offline when its daemon connection is closed abruptly', async () => {
    const dashboard = await open(a, '/dashboard', a.memberToken);
    const seen = collect<Runtime>(dashboard, 'runtime');
    const daemon = await open(a, '/daemon', a.daemonToken);
    const runtimeId = (await hello(daemon, ['claude', 'codex'])).codex!;

    daemon.io.engine.close();
    await eventually(() => offlineEvent(seen, runtimeId), 5_000);
    expect(
      seen
        .filter((r) => r.status === 'offline')
        .map((r) => r.provider)
        .sort(),
    ).toEqual(['claude', 'codex']);
    expect(await restStatus(a, runtimeId)).toBe('offline');
  });

  it('takes a runtime offline when the network path to its daemon is cut', async () => {
    const dashboard = await open(a, '/dashboard', a.memberToken);
    const seen = collect<Runtime>(dashboard, 'runtime');
    const proxy = await startTcpProxy('127.0.0.1', a.port);
    proxies.push(proxy);
    const daemon = await connect(`http://127.0.0.1:${proxy.port}`, '/daemon', a.daemonToken);
    sockets.push(daemon);
    const runtimeId = (await hello(daemon)).claude!;

    proxy.cut();
    await eventually(() => offlineEvent(seen, runtimeId), 10_000);
    expect(await restStatus(a, runtimeId)).toBe('offline');
  });

  it('keeps a runtime online when its daemon reconnects to node B while node A still holds the old connection', async () => {
    const dashboard = await open(b, '/dashboard', a.memberToken);
    const seen = collect<Runtime>(dashboard, 'runtime');
    const id = daemonId();
    const onA = await open(a, '/daemon', a.daemonToken);
    const runtimeId = (await hello(onA, ['claude'], id)).claude!;
    const onB = await open(b, '/daemon', a.daemonToken);
    expect((await hello(onB, ['claude'], id)).claude).toBe(runtimeId);

    // Node A notices its connection is gone only now; its release must not undo node B's hold.
    onA.disconnect();
    // Several heartbeats and sweeps of both nodes, past the presence timeout.
    await sleep(2 * PRESENCE.PRESENCE_TIMEOUT_MS);
    expect(await restStatus(a, runtimeId)).toBe('online');
    expect(offlineEvent(seen, runtimeId)).toBeUndefined();

    onB.disconnect();
    await eventually(() => offlineEvent(seen, runtimeId), 5_000);
    expect(await restStatus(b, runtimeId)).toBe('offline');
  });

  it('ends offline when the daemon disconnects while its hello is being written', async () => {
    const first = await open(a, '/daemon', a.daemonToken);
    const id = daemonId();
    const runtimeId = (await hello(first, ['claude'], id)).claude!;
    first.disconnect();
    await eventually(async () => (await restStatus(a, runtimeId)) === 'offline', 5_000);

    // Hold the runtime's row so the next hello stays in flight until the daemon has gone.
    const blocker = new pg.Client({ connectionString: fresh.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM runtimes WHERE id = $1 FOR UPDATE', [runtimeId]);
      const again = await open(a, '/daemon', a.daemonToken);
      again.emit('hello', {
        daemon_id: id,
        device_info: 'test-machine',
        runtimes: [{ provider: 'claude', name: 'claude@test', runtime_mode: 'local' }],
      });
      await eventually(async () => {
        const { rows } = await blocker.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return rows[0].n === 1;
      }, 10_000);
      again.disconnect();
      await eventually(() => a.hub.io.of('/daemon').sockets.size === 0, 5_000);
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    // The hello commits after the disconnect; the runtime must not stay online (heartbeats would keep it so).
    await eventually(async () => (await restStatus(a, runtimeId)) === 'offline', 5_000);
    await sleep(2 * PRESENCE.PRESENCE_TIMEOUT_MS);
    expect(await restStatus(a, runtimeId)).toBe('offline');
  });

  it('has another node sweep offline the runtimes of a node that died without cleanup', async () => {
    const dashboard = await open(b, '/dashboard', a.memberToken);
    const seen = collect<Runtime>(dashboard, 'runtime');
    const daemon = await open(a, '/daemon', a.daemonToken);
    const runtimeId = (await hello(daemon)).claude!;

    crashed = true;
    await crash(a);
    const [row] = await b.db.query<{ status: string }>('SELECT status FROM runtimes WHERE id = $1', [
      runtimeId,
    ]);
    // Node A's releases could not reach Postgres: the runtime is still marked online, by a dead node.
    expect(row).toEqual({ status: 'online' });

    const offline = await eventually(() => offlineEvent(seen, runtimeId), 10_000);
    expect(offline).toMatchObject({ id: runtimeId, status: 'offline' });
    expect(await restStatus(b, runtimeId)).toBe('offline');
  });
});
