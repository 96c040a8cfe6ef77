/**
 * The live connection to `/dashboard`: forwards hub events to the store, reports live / reconnecting / offline,
 * and refetches everything after a reconnect (deltas sent while we were away are lost, REST has them).
 */
import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';
import type { DashboardServerEvents } from '../../../shared/ack';
import { budgetFeed } from './budget-feed';
import { type LiveEvent, type LiveEventName, parseLiveEvent } from './live-events';
import type { Store } from './store';

/** How long the first REST load waits for the socket, so deltas published meanwhile are not lost. */
const FIRST_LOAD_WAIT_MS = 1500;
const RETRY_AFTER_REFUSAL_MS = 5000;
const RETRY_AFTER_SERVER_CLOSE_MS = 1500;
/** How long a lost connection shows as "reconnecting" before the header admits "offline". */
const OFFLINE_AFTER_MS = 15_000;
/**
 * The hub bumps a runtime's last_seen_at on every presence heartbeat (15 s by default) but pushes no `runtime`
 * event for it, so "seen" is refreshed over REST at that pace while connected, and never reads older than that.
 */
export const RUNTIMES_REFRESH_MS = 15_000;

/** Connects with the token and returns a function that closes everything. */
export function connectLive(store: Store, token: string): () => void {
  const socket: Socket<DashboardServerEvents> = io('/dashboard', {
    auth: { token },
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
  });
  let loaded = false;
  let retry: number | undefined;
  const retryLater = (ms: number) => {
    window.clearTimeout(retry);
    retry = window.setTimeout(() => socket.connect(), ms);
  };
  let offlineTimer: number | undefined;
  /** Lost: "reconnecting" at first, "offline" when it lasts (socket.io keeps retrying either way). */
  const lost = () => {
    if (offlineTimer !== undefined) return;
    store.setConnection('reconnecting');
    offlineTimer = window.setTimeout(() => store.setConnection('offline'), OFFLINE_AFTER_MS);
  };
  const load = () => {
    loaded = true;
    void store.loadAll();
  };
  let refresh: number | undefined;
  const stopRefresh = () => {
    window.clearInterval(refresh);
    refresh = undefined;
  };
  const firstLoad = window.setTimeout(() => {
    if (!loaded) load();
  }, FIRST_LOAD_WAIT_MS);

  socket.on('connect', () => {
    window.clearTimeout(offlineTimer);
    offlineTimer = undefined;
    store.setConnection('live');
    // Tests and the bench tell the fetches of the first load from those made once deltas flow.
    if (performance.getEntriesByName('hub-live', 'mark').length === 0) performance.mark('hub-live');
    // First connect: the initial load. Any later one: a reconnect, so what we hold may have gaps.
    window.clearTimeout(firstLoad);
    load();
    stopRefresh();
    refresh = window.setInterval(() => void store.loadRuntimes(), RUNTIMES_REFRESH_MS);
  });
  socket.on('disconnect', (reason) => {
    stopRefresh();
    lost();
    // The hub closed us (a restart, or a revoked token) and socket.io will not retry by itself: we do, and a
    // refusal then tells which it was.
    if (reason === 'io server disconnect') retryLater(RETRY_AFTER_SERVER_CLOSE_MS);
  });
  socket.on('connect_error', (err) => {
    lost();
    if (socket.active) return;
    // Refused by the hub: REST says whether the token is gone (then we sign out); otherwise retry later.
    if (err.message === 'unauthorized') void store.loadRuntimes();
    retryLater(RETRY_AFTER_REFUSAL_MS);
  });
  // An event that does not match its schema is dropped; what the page holds may then miss a change, so it is
  // fetched again (once, however many such events come while that fetch runs).
  let resyncing = false;
  const resync = () => {
    if (resyncing) return;
    resyncing = true;
    void store.loadAll().finally(() => {
      resyncing = false;
    });
  };
  const checked =
    <K extends LiveEventName>(name: K, deliver: (event: LiveEvent<K>) => void) =>
    (payload: unknown) => {
      const event = parseLiveEvent(name, payload);
      if (event.ok) return deliver(event.data);
      console.warn(
        `runtime-hub: a live '${name}' event did not match its schema (${event.issue}); refetching`,
      );
      resync();
    };
  socket.on(
    'runtime',
    checked('runtime', (r) => store.pushRuntime(r)),
  );
  socket.on(
    'usage',
    checked('usage', (p) => store.pushUsage(p)),
  );
  socket.on(
    'task',
    checked('task', (p) => store.pushTask(p)),
  );
  socket.on(
    'budget',
    checked('budget', (s) => budgetFeed.emit(s)),
  );

  const offline = () => store.setConnection('offline');
  const online = () => {
    if (!socket.connected) socket.connect();
  };
  window.addEventListener('offline', offline);
  window.addEventListener('online', online);

  return () => {
    stopRefresh();
    window.clearTimeout(firstLoad);
    window.clearTimeout(retry);
    window.clearTimeout(offlineTimer);
    window.removeEventListener('offline', offline);
    window.removeEventListener('online', online);
    socket.removeAllListeners();
    socket.disconnect();
  };
}
