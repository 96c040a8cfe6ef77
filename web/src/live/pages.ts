/**
 * The default usage rows come a page of whole local days at a time, newest first, each page naming the next in a
 * Link rel="next" header (issue 19). A runtime's window is in practice one page (at most 21 rows a day), but a view
 * must never show part of its window: the pages are followed to the last.
 */
import type { Answer } from './api';

/** The target of rel="next" in a Link header (RFC 8288), or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const link of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(link);
    if (m && /;\s*rel="?next"?\s*(;|$)/i.test(m[2]!)) return m[1]!;
  }
  return null;
}

/** A page holds at least one day and a window at most 365: more pages than this is a hub that loops. */
const MAX_PAGES = 366;

/**
 * Every row of the pages from `first` on, in order, each next page read by `get`. The snapshot is the first
 * page's: it holds the newest days, where live pushes land (a later page read at a later snapshot may already
 * hold a push for its older days that the first page's snapshot does not — a backdated event during the walk).
 */
export async function allPages<T>(
  first: Promise<Answer<T[]>>,
  get: (path: string) => Promise<Answer<T[]>>,
): Promise<Answer<T[]>> {
  const head = await first;
  let data = head.data;
  let next = head.next ?? null;
  for (let pages = 1; next !== null && pages < MAX_PAGES; pages++) {
    const page = await get(next);
    data = data.concat(page.data);
    next = page.next ?? null;
  }
  return { ...head, data, next: null };
}
