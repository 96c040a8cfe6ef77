/**
 * Walks every page of the default rows (usagePage) as a client following rel="next" does, checking what each page
 * promises on the way: at most `bound` rows, whole local days newest first, each older than the page before, and a
 * `next` exactly while older days of the window remain.
 */
import { expect } from 'vitest';
import { type Database, type HistoryWindow, type UsagePage, usagePage } from '../../server/store';

export async function usagePages(
  db: Database,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  bound: number,
): Promise<UsagePage[]> {
  const pages: UsagePage[] = [];
  let before: string | undefined;
  do {
    const page = await usagePage(db, workspaceId, runtimeId, w, before, {}, bound);
    expect(page.rows.length).toBeLessThanOrEqual(bound);
    for (const r of page.rows) {
      if (before !== undefined) expect(r.date < before).toBe(true);
      if (page.next !== undefined) expect(r.date >= page.next).toBe(true);
    }
    if (page.next !== undefined) {
      expect(page.next > w.startDate && page.next <= w.endDate).toBe(true);
      if (before !== undefined) expect(page.next < before).toBe(true);
    }
    pages.push(page);
    before = page.next;
  } while (before !== undefined);
  return pages;
}
