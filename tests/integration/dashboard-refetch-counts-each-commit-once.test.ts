/**
 * Regression (issue 15): the dashboard merges live `usage` pushes into what REST answered. A push merged while a
 * fetch was in flight went into the data that answer then replaced, and was lost when the hub had read the answer
 * before that commit; a push delivered after an answer that already held its commit was counted twice. The page's
 * store runs here against a real hub (Postgres and PGlite) with a real dashboard socket; the race is made
 * deterministic by holding, in the test, either the REST answers (fully read from the hub, then held) or the
 * socket's deliveries to the store.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsagePush } from '../../shared';
import type { Store } from '../../web/src/live/store';
import { type HubUnderTest, hubKinds } from '../helpers/hub-kinds';
import { heldPushes, heldRest, loadedStore } from '../helpers/page-store';
import { type ClientSocket, callOk, connect, eventually, hello } from '../helpers/sockets';

const sum = (rows: readonly { input_tokens: number }[]) => rows.reduce((n, r) => n + r.input_tokens, 0);

/** Input tokens on every usage figure the page holds (overview and runtime page), by where they are shown. */
function shown(store: Store) {
  const s = store.get();
  const d = s.detail!;
  const ready = <T>(l: { status: string; data?: T }) => (l.status === 'ready' ? l.data! : undefined);
  const overview = ready(s.overview);
  const usage = ready(d.usage);
  return {
    overviewModels: overview && sum(overview.models),
    overviewRuntimes: overview && sum(overview.runtimes),
    detailRows: usage && sum(usage.rows),
    detailDaily: usage && sum(usage.daily),
    detailProjects: d.groups.project.status === 'ready' ? sum(d.groups.project.data) : undefined,
    detailSessions: d.groups.session.status === 'ready' ? sum(d.groups.session.data) : undefined,
  };
}

const everywhere = (n: number) => ({
  overviewModels: n,
  overviewRuntimes: n,
  detailRows: n,
  detailDaily: n,
  detailProjects: n,
  detailSessions: n,
});

describe.each(hubKinds)('dashboard refetch counts each commit once on %s', (_kind, start) => {
  let hub: HubUnderTest;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  let runtimeId: string;
  /** Where the socket's pushes go: the store, or (while held) a queue the test delivers later. */
  const { pushes, deliver, arrive, reset } = heldPushes((store, p) => store.pushUsage(UsagePush.parse(p)));

  const send = async (id: string, input: number) => {
    const ts = new Date(Date.now() - 60_000).toISOString();
    const event = { id, ts, provider: 'claude', model: 'claude-sonnet-4-5', input_tokens: input };
    const counts = { output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [{ ...event, ...counts, project: 'p' }] });
  };

  const inDatabase = async () =>
    (
      await hub.db.query<{ n: number }>(
        'SELECT coalesce(sum(input_tokens), 0)::bigint AS n FROM usage_events',
      )
    )[0]!.n;

  /** A page showing the overview's figures and this runtime's page, loaded; the pushes go to it. */
  async function loadedPage(): Promise<Store> {
    pushes.store = await loadedStore(hub.memberToken, runtimeId);
    return pushes.store;
  }

  beforeAll(async () => {
    hub = await start();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    dashboard.on('usage', arrive);
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

  it('regression: a delta committed during an in-flight refetch is counted exactly once', async () => {
    const rest = heldRest(hub.url);
    await send('in-flight-0', 5);
    await eventually(() => pushes.arrived === 1);
    const store = await loadedPage();
    const before = await inDatabase();
    expect(shown(store)).toEqual(everywhere(before));

    rest.state.hold = true;
    const refetch = store.loadAll();
    await rest.allRead();
    // Committed after the hub read the answers, pushed while they are on their way.
    await send('in-flight-1', 7);
    await eventually(() => pushes.delivered === 1);
    // Merged into the figures the answers are about to replace.
    expect(shown(store)).toEqual(everywhere(before + 7));
    rest.release();
    await refetch;

    expect(await inDatabase()).toBe(before + 7);
    expect(shown(store)).toEqual(everywhere(before + 7));
  });

  it('regression: a delta delivered after an answer that already contains it is not counted twice', async () => {
    heldRest(hub.url);
    const store = await loadedPage();
    const before = await inDatabase();

    pushes.hold = true;
    await send('late-push-1', 13);
    await eventually(() => pushes.held.length === 1);
    // The refetch reads the commit; its push reaches the page only afterwards (fan-out slower than REST).
    await store.loadAll();
    expect(shown(store)).toEqual(everywhere(before + 13));
    for (const p of pushes.held.splice(0)) deliver(p);

    expect(await inDatabase()).toBe(before + 13);
    expect(shown(store)).toEqual(everywhere(before + 13));
  });

  it('adds a push the answers do not hold exactly once, however many refetches it meets', async () => {
    heldRest(hub.url);
    const store = await loadedPage();
    const before = await inDatabase();
    await send('plain-1', 3);
    await eventually(() => pushes.delivered === 1);
    expect(shown(store)).toEqual(everywhere(before + 3));
    await store.loadAll();
    await store.loadAll();
    expect(shown(store)).toEqual(everywhere(before + 3));
  });
});
