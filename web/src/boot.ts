/**
 * Imported first by main.tsx, so it runs before the rest of the bundle is evaluated: starts the runtime page's
 * history fetches (usage and activity, the paths the store will ask for), which then travel while the app's
 * modules evaluate and render, instead of after its first render. Only what the app fetches before its socket
 * is up anyway is prefetched (the detail page's history); everything else waits for the socket, as the app does.
 * It imports only small modules with no side effects, so it adds nothing to evaluate before the fetches start.
 */
import { DEFAULT_DAYS, parseRoute } from './lib/route';
import { activityPath, usagePath } from './live/paths';
import { prefetch } from './live/prefetch';
import { detailFetchDays, startZone } from './live/state';
import { TOKEN_KEY } from './live/storage-keys';

function prefetchRoute(): void {
  const token = localStorage.getItem(TOKEN_KEY);
  const route = parseRoute(location.hash);
  if (!token || route.page !== 'runtime') return;
  const days = route.days ?? DEFAULT_DAYS;
  const tz = startZone(localStorage, route.tz);
  prefetch(usagePath(route.id, detailFetchDays(days), tz), token);
  prefetch(activityPath(route.id, days, tz), token);
}

try {
  prefetchRoute();
} catch {
  // Storage blocked or an odd address: the app fetches for itself.
}
