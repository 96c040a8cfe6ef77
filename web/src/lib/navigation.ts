/**
 * Changing the view is navigating: range, zone and filter go into the address as a new history entry, so Back and
 * Forward step through views and a copied link opens the same one. The page then follows the address.
 */
import type { Filter } from './filter';
import { parseRoute, type Route, routeHref } from './route';

/** A new history entry; assigning the hash (not pushState) fires `hashchange`, which the app follows. */
function go(route: Route): void {
  location.hash = routeHref(route);
}

export function navigateRange(days: number): void {
  const route = parseRoute(location.hash);
  if (route.page === 'runtime') go({ ...route, days });
}

/**
 * The zone before the change is written into the current entry first, so Back returns to it even when the
 * address did not name one (the zone then came from the viewer's saved choice).
 */
export function navigateZone(current: string, tz: string): void {
  const route = parseRoute(location.hash);
  if (!route.tz) history.replaceState(history.state, '', routeHref({ ...route, tz: current }));
  go({ ...route, tz });
}

/** Shows the page narrowed to `filter` (empty: everything), as a new history entry. */
export function navigateFilter(filter: Filter): void {
  const route = parseRoute(location.hash);
  go({ ...route, filter });
}
