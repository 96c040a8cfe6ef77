/**
 * Hash routes (`#/`, `#/runtime/<id>`) and the one-time `#token=<token>` sign-in link. Hash routing keeps the
 * hub's static serving trivial: every page is `/`.
 */

export type Route = { page: 'overview' } | { page: 'runtime'; id: string };

/** @example parseRoute('#/runtime/abc') // { page: 'runtime', id: 'abc' } */
export function parseRoute(hash: string): Route {
  const m = /^#\/runtime\/([^/?#]+)/.exec(hash);
  if (m?.[1]) return { page: 'runtime', id: decodeURIComponent(m[1]) };
  return { page: 'overview' };
}

export function runtimeHref(id: string): string {
  return `#/runtime/${encodeURIComponent(id)}`;
}

/** The token of a `#token=…` link, or null. @example tokenFromHash('#token=abc') // 'abc' */
export function tokenFromHash(hash: string): string | null {
  const m = /^#token=([^&]+)/.exec(hash);
  if (!m?.[1]) return null;
  const token = decodeURIComponent(m[1]).trim();
  return token.length > 0 ? token : null;
}
