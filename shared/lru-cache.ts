/**
 * A bounded least-recently-used map. Every cache whose key a client controls (a zone spelling, a history window)
 * goes through one of these, so no sequence of requests can grow the process's memory without bound.
 */

export interface LruCacheOptions<V> {
  /** The most the cache holds, in the unit of `weigh` (entries when no weigher is given). */
  capacity: number;
  /** The cost of one value, e.g. its approximate size in bytes; 1 per entry by default. */
  weigh?: (value: V) => number;
}

/**
 * @example
 * const zones = new LruCache<string, string>({ capacity: 2 });
 * zones.set('a', 'A'); zones.set('b', 'B'); zones.get('a'); zones.set('c', 'C'); // evicts 'b'
 */
export class LruCache<K, V> {
  /** Map iteration order is insertion order, so the first key is the least recently used. */
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private totalWeight = 0;
  private readonly capacity: number;
  private readonly weigh: (value: V) => number;

  constructor(options: LruCacheOptions<V>) {
    this.capacity = options.capacity;
    this.weigh = options.weigh ?? (() => 1);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The sum of the weights held (the entry count without a weigher). */
  get weight(): number {
    return this.totalWeight;
  }

  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** Stores a value unless it alone weighs more than the whole capacity; evicts the least recently used. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.capacity) return;
    this.entries.set(key, { value, weight });
    this.totalWeight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.totalWeight <= this.capacity) break;
      this.entries.delete(oldest);
      this.totalWeight -= entry.weight;
    }
  }

  delete(key: K): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.totalWeight -= old.weight;
  }
}
