/**
 * Recently computed history views, keyed by what they were computed from: the scope (runtime or workspace), its
 * usage version, and the window. A write bumps the version in its own transaction, so a hit is always exact; the
 * cache only saves recomputing a view nobody has changed (a wall screen, many viewers, a reload).
 * It is bounded by the approximate bytes of the answers it holds, not by their count: one answer may be a few MB.
 */
import { LruCache } from '../../shared';

/** The most the cache holds, in approximate bytes of cached answers. */
export const HISTORY_CACHE_BYTES = 32 * 1024 * 1024;

/** The approximate in-memory size of a row: its strings plus a fixed cost for the object and its numbers. */
const ROW_OVERHEAD_BYTES = 160;

/** Approximate bytes of an answer made of rows of strings and numbers (an object per row). */
export function approximateBytes(rows: readonly object[]): number {
  let bytes = 64;
  for (const row of rows) {
    bytes += ROW_OVERHEAD_BYTES;
    for (const value of Object.values(row)) if (typeof value === 'string') bytes += 2 * value.length;
  }
  return bytes;
}

export class HistoryCache<V extends readonly object[]> {
  private readonly entries: LruCache<string, V>;

  constructor(capacityBytes = HISTORY_CACHE_BYTES) {
    this.entries = new LruCache<string, V>({ capacity: capacityBytes, weigh: approximateBytes });
  }

  /** Approximate bytes held (for tests and metrics). */
  get bytes(): number {
    return this.entries.weight;
  }

  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = await compute();
    this.entries.set(key, value);
    return value;
  }
}
