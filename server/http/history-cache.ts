/**
 * Recently computed history views, keyed by what they were computed from: the scope (runtime or workspace), its
 * usage version, the window, the grouping and the filters. A write bumps the version in its own transaction, and the
 * version and the rows are read in one snapshot (readAtSnapshot, which is kept with them), so a hit is always exact; the
 * cache only saves recomputing a view nobody has changed (a wall screen, many viewers, a reload).
 * It is bounded by the approximate bytes of the answers it holds and of their keys, not by their count: one answer
 * may be a few MB, and a key holds filter values a client chose (many empty answers must not pile up unweighed).
 */
import { LruCache } from '../../shared';

/** The most the cache holds, in approximate bytes of cached answers. */
export const HISTORY_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * The approximate in-memory size of a row: its strings plus a fixed cost for the object and its numbers. It holds
 * for rows that share their hidden class (object literals of one shape, or the driver's rows): a row with a map of
 * its own keeps twice as much (tests/regression/history-cache-weighs-what-it-keeps.test.ts measures it in V8).
 */
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

interface Entry<V> {
  value: V;
  keyLength: number;
  /** The Postgres snapshot the answer was read at (X-Usage-Snapshot), when known. */
  snapshot?: string;
  /** For a page of the default rows: the `before` of the next page, when there is one. */
  next?: string;
}

/** A cached answer, the snapshot it was read at and (a page) the `before` of the next page. */
export interface CachedAnswer<V> {
  value: V;
  snapshot?: string;
  next?: string;
}

export class HistoryCache<V extends readonly object[]> {
  private readonly entries: LruCache<string, Entry<V>>;

  constructor(capacityBytes = HISTORY_CACHE_BYTES) {
    this.entries = new LruCache<string, Entry<V>>({
      capacity: capacityBytes,
      weigh: (e) => approximateBytes(e.value) + 2 * e.keyLength,
    });
  }

  /** Approximate bytes held (for tests and metrics). */
  get bytes(): number {
    return this.entries.weight;
  }

  /** Answers held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** The answer held under `key`, with its snapshot. */
  get(key: string): CachedAnswer<V> | undefined {
    const hit = this.entries.get(key);
    return hit && { value: hit.value, snapshot: hit.snapshot, next: hit.next };
  }

  /** Holds `value`, read at `snapshot`, under `key` (which must name the version it was read at). */
  set(key: string, value: V, snapshot?: string, next?: string): void {
    this.entries.set(key, { value, keyLength: key.length, snapshot, next });
  }

  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit.value;
    const value = await compute();
    this.entries.set(key, { value, keyLength: key.length });
    return value;
  }
}
