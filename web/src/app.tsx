/**
 * The shell: sign-in when there is no token, otherwise the header, the live connection and the page of the
 * hash route. A `#token=` link signs in and is stripped from the address bar (and so from history).
 */
import { useEffect, useState } from 'preact/hooks';
import { Header } from './components/Header';
import { HubLostBanner } from './components/HubLostBanner';
import { filterKey, readFilter } from './lib/filter';
import { parseRoute, tokenFromHash } from './lib/route';
import { connectLiveSoon } from './live/connect';
import { hubLost } from './live/state';
import type { Store } from './live/store';
import { useStore, useStoreApi } from './live/use-store';
import { Overview } from './pages/Overview';
import { DEFAULT_DAYS, RuntimeDetail } from './pages/RuntimeDetail';
import { SignIn } from './pages/SignIn';

/** Takes a `#token=…` from the address into the store and removes it from the URL. */
export function adoptHashToken(store: Store): void {
  const token = tokenFromHash(location.hash);
  if (!token) return;
  store.signIn(token);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

function useRoute() {
  const store = useStoreApi();
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => {
      adoptHashToken(store);
      setHash(location.hash);
    };
    // An edited address fires hashchange; Back and Forward fire popstate (and hashchange between hashes).
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    // The address may have changed between the first render and now (effects run after the first paint), and its
    // hashchange fired before anyone listened: the view would stay on the old route under the new address.
    on();
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, [store]);
  const route = parseRoute(hash);
  // The zone follows the address when it names one; otherwise the viewer's saved choice stays.
  useEffect(() => {
    if (route.tz && route.tz !== store.get().tz) store.setTimeZone(route.tz);
  }, [store, route.tz]);
  // The filter always follows the address: a link without one shows everything.
  const filter = filterKey(route.filter);
  useEffect(() => store.setFilter(readFilter(new URLSearchParams(filter))), [store, filter]);
  return route;
}

export function App() {
  const store = useStoreApi();
  const token = useStore((s) => s.token);
  const route = useRoute();
  const lost = useStore((s) => hubLost(s.connection));

  useEffect(() => (token ? connectLiveSoon(store, token) : undefined), [store, token]);

  if (!token) return <SignIn />;
  return (
    <>
      <Header />
      <HubLostBanner />
      {/* Dimmed while the hub is lost: the figures are the last received, not the present. */}
      <div class={lost ? 'shell shell-stale' : 'shell'}>
        {route.page === 'runtime' ? (
          <RuntimeDetail key={route.id} id={route.id} days={route.days ?? DEFAULT_DAYS} />
        ) : (
          <Overview />
        )}
      </div>
    </>
  );
}
