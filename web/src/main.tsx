/** Entry point: one store for the page, a `#token=` link adopted before the first render. */
import './styles.css';
import { render } from 'preact';
import { App, adoptHashToken } from './app';
import { Store } from './live/store';
import { StoreContext } from './live/use-store';

const store = new Store();
adoptHashToken(store);

const root = document.getElementById('app');
if (root) {
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
    root,
  );
}
