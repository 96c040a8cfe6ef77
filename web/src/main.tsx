/**
 * Entry point: one store for the page (in the address's zone when it names one), a `#token=` link adopted
 * before the first render. The route's history is already being fetched (boot.ts, inlined in index.html).
 */
import './styles.css';
import { render } from 'preact';
import { App, adoptHashToken } from './app';
import { parseRoute } from './lib/route';
import { Store } from './live/store';
import { StoreContext } from './live/use-store';

const store = new Store(localStorage, parseRoute(location.hash).tz);
adoptHashToken(store);

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
