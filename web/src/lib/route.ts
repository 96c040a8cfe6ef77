/**
 * Hash routes (`#/`, `#/runtime/<id>`) and the one-time `#token=<token>` sign-in link. Hash routing keeps the
 * hub's static serving trivial: every page is `/`.
 */

export type Route = { page: 'overview' } | { page: 'runtime'; id: string; days?: number };

/** The ranges the detail page offers; a link may name one (`?days=90`). */
export const RANGES = [7, 30, 90, 365] as const;

/** @example parseRoute('#/runtime/abc?days=90') // { page: 'runtime', id: 'abc', days: 90 } */
export function parseRoute(hash: string): Route {
  const m = /^#\/runtime\/([^/?#]+)(?:\?days=(\d+))?/.exec(hash);
  if (!m?.[1]) return { page: 'overview' };
  const days = Number(m[2]);
  const route: Route = { page: 'runtime', id: decodeURIComponent(m[1]) };
  return (RANGES as readonly number[]).includes(days) ? { ...route, days } : route;
}

/** @example runtimeHref('abc', 90) // '#/runtime/abc?days=90' */
export function runtimeHref(id: string, days?: number): string {
  return `#/runtime/${encodeURIComponent(id)}${days ? `?days=${days}` : ''}`;
}

/** The token of a `#token=…` link, or null. @example tokenFromHash('#token=abc') // 'abc' */
export function tokenFromHash(hash: string): string | null {
  const m = /^#token=([^&]+)/.exec(hash);
  if (!m?.[1]) return null;
  const token = decodeURIComponent(m[1]).trim();
  return token.length > 0 ? token : null;
}
