/**
 * The RFC 8288 Link header of a paged answer: the same path and query, every parameter kept (filters, format,
 * window), with `before` set to the next page's date.
 */

/** `<path?query&before=date>; rel="next"` for the request URL `url` (path and query, as Fastify gives it). */
export function nextPageLink(url: string, before: string): string {
  const next = new URL(url, 'http://hub.invalid');
  next.searchParams.set('before', before);
  return `<${next.pathname}${next.search}>; rel="next"`;
}
