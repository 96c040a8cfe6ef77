/** Entry point: one store for the page, a `#token=` link and the address's filter adopted before the first render. */
import './styles.css';
import { render } from 'preact';
import { App, adoptHashToken } from './app';
import { parseRoute } from './lib/route';
import { Store } from './live/store';
import { StoreContext } from './live/use-store';

const store = new Store();
adoptHashToken(store);
// The first loads already ask with the address's filter.
store.setFilter(parseRoute(location.hash).filter ?? {});

const root = document.getElementById('app');
if (root) {
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
    root,
  );
}
