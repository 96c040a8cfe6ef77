/**
 * The live connection from its own chunk: socket.io-client is about a sixth of the bundle and nothing of the
 * first render needs it, so it is compiled and run after the page's first data are on screen rather than before.
 */
import type { Store } from './store';

/** Starts connectLive once its chunk has loaded; returns a function that closes it (or cancels the start). */
export function connectLiveSoon(store: Store, token: string): () => void {
  let stop: (() => void) | undefined;
  let closed = false;
  import('./socket').then(
    (m) => {
      if (!closed) stop = m.connectLive(store, token);
    },
    () => {
      // The chunk did not load (the hub went away, or was updated under us): load over REST, and say we are offline.
      if (closed) return;
      store.setConnection('offline');
      void store.loadAll();
    },
  );
  return () => {
    closed = true;
    stop?.();
  };
}
