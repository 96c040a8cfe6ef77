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
import { Store } from '../../web/src/live/store';
import { type HubUnderTest, hubKinds } from '../helpers/hub-kinds';
import { type ClientSocket, callOk, connect, eventually, hello } from '../helpers/sockets';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
  removeItem = (k: string) => void this.m.delete(k);
}

/** The page's REST calls, sent to the hub; while `hold` is set each answer is read in full, then kept back. */
function heldRest(hubUrl: string) {
  const realFetch = globalThis.fetch;
  const state = { hold: false, atHub: 0, held: [] as (() => void)[] };
  vi.stubGlobal('fetch', async (path: string, init?: RequestInit) => {
    state.atHub++;
    const res = await realFetch(`${hubUrl}${path}`, init);
    // The whole body is in: the hub has read its rows (and their snapshot) before anything that follows.
    const body = await res.arrayBuffer();
    state.atHub--;
    if (state.hold) await new Promise<void>((release) => state.held.push(release));
    return new Response(body, { status: res.status, headers: res.headers });
  });
  return {
    state,
    /** Resolves once every call sent so far has been answered by the hub and is held. */
    allRead: () => eventually(() => state.atHub === 0 && state.held.length > 0),
    release() {
      state.hold = false;
      for (const r of state.held.splice(0)) r();
    },
  };
}

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
  const pushes = {
    store: null as Store | null,
    hold: false,
    held: [] as unknown[],
    arrived: 0,
    delivered: 0,
  };

  const deliver = (p: unknown) => {
    if (!pushes.store) return;
    pushes.store.pushUsage(UsagePush.parse(p));
    pushes.store.flush();
    pushes.delivered++;
  };
  const arrive = (p: unknown) => {
    pushes.arrived++;
    if (pushes.hold) pushes.held.push(p);
    else deliver(p);
  };

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

  /** A page showing the overview's figures and this runtime's page, loaded. */
  async function loadedStore(): Promise<Store> {
    const store = new Store(new MemoryStorage() as unknown as Storage);
    store.signIn(hub.memberToken);
    store.setTimeZone('UTC');
    store.openDetail(runtimeId, 7);
    await store.loadAll();
    pushes.store = store;
    return store;
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
    Object.assign(pushes, { store: null, hold: false, held: [], arrived: 0, delivered: 0 });
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
    const store = await loadedStore();
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
    const store = await loadedStore();
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
    const store = await loadedStore();
    const before = await inDatabase();
    await send('plain-1', 3);
    await eventually(() => pushes.delivered === 1);
    expect(shown(store)).toEqual(everywhere(before + 3));
    await store.loadAll();
    await store.loadAll();
    expect(shown(store)).toEqual(everywhere(before + 3));
  });
});
