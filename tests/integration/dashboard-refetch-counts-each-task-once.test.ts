/**
 * Regression (issue 15, the hourly activity half): the runtime page's hourly task chart reset its set of counted
 * task ids on every refetch, so a status update (queued → running → completed) of a task the REST answer already
 * counted was added again, and a task committed while the activity fetch was in flight was lost with the data that
 * answer replaced. Task pushes now carry their commit and the time the task was counted at before it; the activity
 * answer carries its snapshot. The page's store runs against a real hub (Postgres and PGlite) with a real
 * dashboard socket; the races are made deterministic by holding the REST answers (read in full by the hub, then
 * held) or the socket's deliveries to the store.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskPush } from '../../shared';
import type { Store } from '../../web/src/live/store';
import { type HubUnderTest, hubKinds } from '../helpers/hub-kinds';
import { heldPushes, heldRest, loadedStore } from '../helpers/page-store';
import { type ClientSocket, callOk, connect, eventually, hello } from '../helpers/sockets';

/** The start of the UTC hour `back` hours ago, plus `minutes`. */
const hoursAgo = (back: number, minutes = 0) => {
  const hour = Math.floor(Date.now() / 3_600_000) - back;
  return new Date(hour * 3_600_000 + minutes * 60_000).toISOString();
};
const utcHour = (iso: string) => new Date(iso).getUTCHours();

describe.each(hubKinds)('dashboard refetch counts each task once on %s', (_kind, start) => {
  let hub: HubUnderTest;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  let runtimeId: string;
  /** Where the socket's task pushes go: the store, or (while held) a queue the test delivers later. */
  const { pushes, deliver, arrive, reset } = heldPushes((store, p) => store.pushTask(TaskPush.parse(p)));

  const report = (task: Record<string, unknown>) =>
    callOk(daemon, 'task', { runtime_id: runtimeId, tasks: [task] });

  /** The 24 hourly counts in the database, as the activity route defines them (every task here is recent). */
  const inDatabase = async () => {
    const rows = await hub.db.query<{ hour: number; n: number }>(
      `SELECT extract(hour FROM coalesce(started_at, created_at) AT TIME ZONE 'UTC')::int AS hour, count(*)::int AS n
       FROM tasks WHERE runtime_id = $1 GROUP BY 1`,
      [runtimeId],
    );
    const counts = Array.from({ length: 24 }, () => 0);
    for (const r of rows) counts[r.hour] = r.n;
    return counts;
  };

  const shown = (store: Store) => {
    const h = store.get().detail!.hourly;
    return h.status === 'ready' ? h.data.counts : undefined;
  };

  /** A page showing this runtime's page, loaded; the pushes go to it. */
  async function loadedPage(): Promise<Store> {
    pushes.store = await loadedStore(hub.memberToken, runtimeId);
    return pushes.store;
  }

  beforeAll(async () => {
    hub = await start();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    dashboard.on('task', arrive);
    runtimeId = (await hello(daemon)).claude!;
  });

  beforeEach(() => {
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => setTimeout(cb, 0));
    reset();
  });

  afterEach(() => vi.unstubAllGlobals());

  afterAll(async () => {
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it('regression: a status update of a task the answer counted is not counted twice', async () => {
    heldRest(hub.url);
    const created = hoursAgo(5, 10);
    const store = await loadedPage();
    await report({ id: 'update-1', status: 'queued', created_at: created });
    await eventually(() => pushes.delivered === 1);
    // The refetch counts the task; its later updates must not add it again.
    await store.loadAll();
    await report({ id: 'update-1', status: 'running', created_at: created });
    await report({ id: 'update-1', status: 'completed', created_at: created, completed_at: hoursAgo(0) });
    await eventually(() => pushes.delivered === 3);

    const expected = await inDatabase();
    expect(expected[utcHour(created)]).toBeGreaterThanOrEqual(1);
    expect(shown(store)).toEqual(expected);
  });

  it('regression: a task committed during an in-flight activity refetch is counted once', async () => {
    const rest = heldRest(hub.url);
    const store = await loadedPage();
    expect(shown(store)).toEqual(await inDatabase());

    rest.state.hold = true;
    const refetch = store.loadAll();
    await rest.allRead();
    // Committed after the hub read the answers, pushed while they are on their way.
    await report({ id: 'in-flight-1', status: 'queued', created_at: hoursAgo(4, 20) });
    await eventually(() => pushes.delivered === 1);
    rest.release();
    await refetch;

    expect(shown(store)).toEqual(await inDatabase());
  });

  it('regression: a task pushed after an answer that already counted it is not counted twice', async () => {
    heldRest(hub.url);
    const store = await loadedPage();
    pushes.hold = true;
    await report({ id: 'late-push-1', status: 'queued', created_at: hoursAgo(3, 5) });
    await eventually(() => pushes.held.length === 1);
    // The refetch reads the commit; its push reaches the page only afterwards (fan-out slower than REST).
    await store.loadAll();
    for (const p of pushes.held.splice(0)) deliver(p);

    expect(shown(store)).toEqual(await inDatabase());
  });

  it('regression: a task whose start moves it to another hour is counted in its new hour only', async () => {
    heldRest(hub.url);
    const created = hoursAgo(6, 30);
    const started = hoursAgo(2, 15);
    await report({ id: 'moves-1', status: 'queued', created_at: created });
    const store = await loadedPage();
    const before = shown(store)!;

    await report({ id: 'moves-1', status: 'running', created_at: created, started_at: started });
    await eventually(() => pushes.delivered === 1);
    expect(shown(store)![utcHour(created)]).toBe(before[utcHour(created)]! - 1);
    expect(shown(store)![utcHour(started)]).toBe(before[utcHour(started)]! + 1);
    expect(shown(store)).toEqual(await inDatabase());
    // And across a refetch, which holds the move.
    await store.loadAll();
    expect(shown(store)).toEqual(await inDatabase());
  });

  // Last: it closes the test's dashboard socket. PGlite has one connection, so no second writer can hold a row.
  it.runIf(_kind === 'postgres')(
    'a task another writer created while the hub waited for it is pushed without previous_at and its dashboards refetch',
    async () => {
      const closed = new Promise<string>((resolve) => dashboard.once('disconnect', resolve));
      const arrived: unknown[] = [];
      dashboard.on('task', (p) => arrived.push(p));
      const created = hoursAgo(1, 40);
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      // Another writer (another node, say) inserts the task and holds its transaction open.
      let inserted!: () => void;
      const insertedFirst = new Promise<void>((r) => {
        inserted = r;
      });
      const other = hub.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO tasks (runtime_id, id, status, created_at) VALUES ($1, 'race-1', 'queued', $2)`,
          [runtimeId, created],
        );
        inserted();
        await held;
      });
      // Regression (the test raced): the report went out before the other writer's insert, so on a quiet machine
      // the hub inserted first and the other writer failed on the key instead of the hub waiting for it.
      await insertedFirst;
      const reported = report({
        id: 'race-1',
        status: 'running',
        created_at: created,
        started_at: hoursAgo(0, 5),
      });
      await eventually(async () => {
        const [w] = await hub.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return w!.n > 0;
      });
      release();
      await other;
      await reported;

      expect(await closed).toBe('transport close');
      const push = TaskPush.parse(arrived.find((p) => (p as TaskPush).task.id === 'race-1'));
      expect(push.previous_at).toBeUndefined();
      expect(push.commit).toMatch(/^\d+$/);
    },
  );

  it('answers the activity with the snapshot its rows were read at', async () => {
    const res = await fetch(`${hub.url}/api/runtimes/${runtimeId}/activity?days=7&tz=UTC`, {
      headers: { Authorization: `Bearer ${hub.memberToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-usage-snapshot')).toMatch(/^\d+:\d+:(\d+(,\d+)*)?$/);
  });
});
