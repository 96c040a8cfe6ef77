/**
 * Hash routes (`#/`, `#/runtime/<id>`) with the view in their query (`?days=90&tz=Europe/Paris&project=api`), and
 * the one-time `#token=<token>` sign-in link. Hash routing keeps the hub's static serving trivial: every page is `/`.
 */
import { type Filter, isEmptyFilter, readFilter, writeFilter } from './filter';

/** `filter` is absent (never empty) when the address names none. */
export type Route =
  | { page: 'overview'; tz?: string; filter?: Filter }
  | { page: 'runtime'; id: string; days?: number; tz?: string; filter?: Filter };

/** The ranges the detail page offers; a link may name one (`?days=90`). */
export const RANGES = [7, 30, 90, 365] as const;

/** A zone the browser knows, so a typo in a link never reaches the hub as a 400. */
export function isZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** @example parseRoute('#/runtime/abc?days=90') // { page: 'runtime', id: 'abc', days: 90 } */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  const tz = params.get('tz');
  const filter = readFilter(params);
  const view = { ...(tz && isZone(tz) ? { tz } : {}), ...(isEmptyFilter(filter) ? {} : { filter }) };
  const m = /^\/runtime\/([^/?#]+)/.exec(path);
  if (!m?.[1]) return { page: 'overview', ...view };
  const days = Number(params.get('days'));
  const route: Route = { page: 'runtime', id: decodeURIComponent(m[1]) };
  return (RANGES as readonly number[]).includes(days) ? { ...route, days, ...view } : { ...route, ...view };
}

/** @example runtimeHref('abc', 90) // '#/runtime/abc?days=90' */
export function runtimeHref(id: string, days?: number, tz?: string, filter?: Filter): string {
  return routeHref({ page: 'runtime', id, ...(days ? { days } : {}), ...(tz ? { tz } : {}), filter });
}

/** The address of a route. @example routeHref({ page: 'overview', tz: 'UTC' }) // '#/?tz=UTC' */
export function routeHref(route: Route): string {
  const params = new URLSearchParams();
  if (route.page === 'runtime' && route.days) params.set('days', String(route.days));
  if (route.tz) params.set('tz', route.tz);
  writeFilter(params, route.filter);
  // Zones keep their slash and `(none)` its brackets, so the address stays readable (`tz=Europe/Paris`).
  const text = params.toString().replaceAll('%2F', '/').replaceAll('%28', '(').replaceAll('%29', ')');
  const query = text ? `?${text}` : '';
  return route.page === 'runtime' ? `#/runtime/${encodeURIComponent(route.id)}${query}` : `#/${query}`;
}

/** The token of a `#token=…` link, or null. @example tokenFromHash('#token=abc') // 'abc' */
export function tokenFromHash(hash: string): string | null {
  const m = /^#token=([^&]+)/.exec(hash);
  if (!m?.[1]) return null;
  const token = decodeURIComponent(m[1]).trim();
  return token.length > 0 ? token : null;
}
