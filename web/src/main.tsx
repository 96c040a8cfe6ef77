/**
 * Entry point: one store for the page (in the address's zone when it names one), a `#token=` link and the
 * address's filter adopted before the first render. The route's history is already being fetched (boot.ts,
 * inlined in index.html).
 */
import './styles.css';
import { render } from 'preact';
import { App, adoptHashToken } from './app';
import { layOutFirstText } from './components/first-layout';
import { DEFAULT_DAYS, parseRoute } from './lib/route';
import { discardPrefetched } from './live/prefetch';
import { Store } from './live/store';
import { StoreContext } from './live/use-store';

/** Settles once the open runtime page's usage has been answered (or no page is open). */
function chartsData(store: Store): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (store.get().detail?.usage.status === 'loading') return;
      unsubscribe();
      resolve();
    };
    const unsubscribe = store.subscribe(check);
    check();
  });
}

const route = parseRoute(location.hash);
const store = new Store(localStorage, route.tz);
adoptHashToken(store);
// The first loads already ask with the address's filter.
store.setFilter(route.filter ?? {});
// A runtime page's history is taken now (its answers are on their way, boot.ts), not from the page's effect,
// which runs only after the first paint; the page then finds it open and does not ask again.
const detail = route.page === 'runtime' && store.get().token;
if (detail) store.openDetail(route.id, route.days ?? DEFAULT_DAYS);
// openDetail took its early answers synchronously; any other is a wrong guess.
discardPrefetched();
// The first render waits a little for the answers: they are typically on their way or in already (they arrived
// while this bundle loaded, but their bodies are read in tasks queued behind its evaluation), and drawing them
// first spares a skeleton page, its layout and paint, and a second render. A slow hub gets the skeleton then.
const FIRST_DATA_WAIT_MS = 100;
// Answers already in are taken in this task's microtasks (the render follows at once); otherwise the thread is
// idle until they come, and the page's first text layout and canvas text are paid now rather than with the charts.
if (detail)
  setTimeout(() => {
    if (store.get().detail?.usage.status === 'loading') layOutFirstText();
  }, 0);
if (detail)
  await Promise.race([chartsData(store), new Promise((resolve) => setTimeout(resolve, FIRST_DATA_WAIT_MS))]);

const root = document.getElementById('app');
if (root) {
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
    root,
  );
  // The bench's baseline: the bundle has run and drawn its first page (a blank one when signed out).
  performance.mark('app-rendered');
}
// The zone may have been the browser's as last seen (no Intl before the first charts): confirmed when idle.
const idle = (f: () => void) =>
  typeof requestIdleCallback === 'function' ? requestIdleCallback(f, { timeout: 2000 }) : setTimeout(f, 1000);
idle(() => store.checkBrowserZone());
