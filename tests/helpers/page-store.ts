/**
 * The page's store against a real hub, with the two sides of a refetch race held by the test: the REST answers
 * (read in full from the hub, then kept back) and the socket's pushes (kept back, delivered later).
 */
import { vi } from 'vitest';
import { Store } from '../../web/src/live/store';
import { MemoryStorage } from './memory-storage';
import { eventually } from './sockets';

/** The page's REST calls, sent to the hub; while `hold` is set each answer is read in full, then kept back. */
export function heldRest(hubUrl: string) {
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

/**
 * Where the socket's pushes go: the store (through `push`, then one merge), or, while `hold` is set, a queue the
 * test delivers later.
 */
export function heldPushes(push: (store: Store, payload: unknown) => void) {
  const pushes = {
    store: null as Store | null,
    hold: false,
    held: [] as unknown[],
    arrived: 0,
    delivered: 0,
  };
  const deliver = (p: unknown) => {
    if (!pushes.store) return;
    push(pushes.store, p);
    pushes.store.flush();
    pushes.delivered++;
  };
  const arrive = (p: unknown) => {
    pushes.arrived++;
    if (pushes.hold) pushes.held.push(p);
    else deliver(p);
  };
  const reset = () => Object.assign(pushes, { store: null, hold: false, held: [], arrived: 0, delivered: 0 });
  return { pushes, deliver, arrive, reset };
}

/** A page signed in to `hubUrl`'s workspace, in UTC, showing the overview and `runtimeId`'s 7 days, loaded. */
export async function loadedStore(memberToken: string, runtimeId: string): Promise<Store> {
  const store = new Store(new MemoryStorage() as unknown as Storage);
  store.signIn(memberToken);
  store.setTimeZone('UTC');
  store.openDetail(runtimeId, 7);
  await store.loadAll();
  return store;
}
