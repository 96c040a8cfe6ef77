/**
 * The runtime page's history fetches (usage and activity, the paths the store will ask for), started by a
 * script inlined in index.html's head (built by the `inline-boot` plugin of web/vite.config.ts; the hub allows
 * it by its hash), so they travel while the app's bundle downloads, compiles and evaluates instead of after
 * its first render. Only what the app fetches before its socket is up anyway is prefetched (the detail page's
 * history); everything else waits for the socket, as the app does. The store takes an answer through
 * live/prefetch.ts when it asks for the same path; otherwise it is never used.
 */
import { DEFAULT_DAYS, parseRoute } from './lib/route';
import { activityPath, dailyPath, usagePath } from './live/paths';
import { prefetch } from './live/prefetch';
import { detailFetchDays, startZone } from './live/state';
import { BROWSER_ZONE_KEY, TOKEN_KEY, TZ_KEY } from './live/storage-keys';

function prefetchRoute(): void {
  const token = localStorage.getItem(TOKEN_KEY);
  const route = parseRoute(location.hash);
  if (!token || route.page !== 'runtime') return;
  const days = route.days ?? DEFAULT_DAYS;
  const fetchIn = (tz: string) => {
    prefetch(usagePath(route.id, days, tz, route.filter), token);
    prefetch(dailyPath(route.id, detailFetchDays(days), tz, route.filter), token);
    prefetch(activityPath(route.id, days, tz), token);
  };
  // The zone the store will open in, without asking Intl when a saved one will do (its first use on a page
  // costs tens of milliseconds). A guess the store does not confirm is never taken: its path names another zone.
  const guess = route.tz ?? localStorage.getItem(TZ_KEY) ?? localStorage.getItem(BROWSER_ZONE_KEY);
  fetchIn(guess ?? startZone(localStorage, route.tz));
}

try {
  prefetchRoute();
} catch {
  // Storage blocked or an odd address: the app fetches for itself.
}
// Done with: the page's DOM holds no inline script (the injection tests check that none was ever added).
document.currentScript?.remove();
