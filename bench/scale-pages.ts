/**
 * Walking every page of a paged usage answer over REST, as a client following Link rel="next" does: the total time
 * of the walk, the pages and rows it took, and its largest page (issue 19: informative, no goal).
 */

export interface PagesWalk {
  totalMs: number;
  pages: number;
  rows: number;
  maxBytes: number;
  /** Pages that were not 200 (the walk stops at the first). */
  failed: number;
}

const nextOf = (link: string | null) => (link ? (/<([^>]+)>;\s*rel="next"/.exec(link)?.[1] ?? null) : null);

/** Follows `path` and its rel="next" pages to the last; at most 366 pages (a page holds at least one day). */
export async function walkPages(url: string, path: string, memberToken: string): Promise<PagesWalk> {
  const walk: PagesWalk = { totalMs: 0, pages: 0, rows: 0, maxBytes: 0, failed: 0 };
  const started = performance.now();
  let next: string | null = path;
  while (next !== null && walk.pages < 366) {
    const res: Response = await fetch(`${url}${next}`, {
      headers: { authorization: `Bearer ${memberToken}` },
    });
    const body = await res.text();
    walk.pages++;
    walk.maxBytes = Math.max(walk.maxBytes, Buffer.byteLength(body));
    if (!res.ok) {
      walk.failed++;
      break;
    }
    walk.rows += (JSON.parse(body) as unknown[]).length;
    next = nextOf(res.headers.get('link'));
  }
  walk.totalMs = Math.round((performance.now() - started) * 10) / 10;
  return walk;
}
