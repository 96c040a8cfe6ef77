/**
 * Items waiting for the hub, per provider and keyed by id, in the order first queued. One class serves usage
 * events and tasks; only the rule for replacing a waiting item differs, and the caller gives it.
 */
export class ProviderQueue<T extends { id: string }> {
  private readonly byProvider = new Map<string, Map<string, T>>();

  /** `replaces(waiting, next)`: whether `next` takes the place of the waiting item with the same id. */
  constructor(
    private readonly replaces: (waiting: T, next: T) => boolean,
    private readonly changed: () => void,
  ) {}

  /** Queues an item unless the rule keeps the one already waiting; a replacement keeps its place in line. */
  put(provider: string, item: T): void {
    const m = this.bucket(provider);
    const waiting = m.get(item.id);
    if (waiting && !this.replaces(waiting, item)) return;
    m.set(item.id, item);
    this.changed();
  }

  /** Up to `max` waiting items of a provider, oldest first, leaving out those `skip` says are taken. */
  batch(provider: string, max: number, skip?: (item: object) => boolean): T[] {
    const out: T[] = [];
    const m = this.byProvider.get(provider);
    if (!m) return out;
    for (const v of m.values()) {
      if (out.length >= max) break;
      if (!skip?.(v)) out.push(v);
    }
    return out;
  }

  /** Removes acknowledged (or dropped) items, unless a newer version replaced them meanwhile. */
  remove(provider: string, sent: T[]): void {
    const m = this.byProvider.get(provider);
    if (!m) return;
    // Identity check: an entry replaced after the batch was taken is newer and must still be sent.
    for (const item of sent) if (m.get(item.id) === item) m.delete(item.id);
  }

  /** Providers with something waiting. */
  providers(): string[] {
    return [...this.byProvider].filter(([, m]) => m.size > 0).map(([p]) => p);
  }

  get count(): number {
    let n = 0;
    for (const m of this.byProvider.values()) n += m.size;
    return n;
  }

  toJSON(): Record<string, T[]> {
    const json: Record<string, T[]> = {};
    for (const [p, m] of this.byProvider) if (m.size) json[p] = [...m.values()];
    return json;
  }

  private bucket(provider: string): Map<string, T> {
    let m = this.byProvider.get(provider);
    if (!m) {
      m = new Map();
      this.byProvider.set(provider, m);
    }
    return m;
  }
}
