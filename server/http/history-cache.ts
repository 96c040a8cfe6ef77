/**
 * Recently computed history views, keyed by what they were computed from: the scope (runtime or workspace), its
 * usage version, and the window. A write bumps the version in its own transaction, so a hit is always exact; the
 * cache only saves recomputing a view nobody has changed (a wall screen, many viewers, a reload).
 */
export class HistoryCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = 500) {}

  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Re-insert so the Map's order is least-recently-used first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = await compute();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
