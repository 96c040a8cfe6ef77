/**
 * A bounded map from event id to the largest total already queued for it, most recent last.
 * It lets the daemon drop a later smaller (or equal) snapshot of an event locally instead of resending it;
 * when an old id has been evicted the event is simply sent again, which the hub's largest-wins makes harmless.
 */
export class RecentMax {
  private readonly map = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  static fromJSON(entries: [string, number][] | undefined, capacity: number): RecentMax {
    const r = new RecentMax(capacity);
    for (const [id, total] of entries ?? []) r.map.set(id, total);
    return r;
  }

  toJSON(): [string, number][] {
    return [...this.map];
  }

  get(id: string): number | undefined {
    return this.map.get(id);
  }

  /** Records `total` for `id` (moving it to the recent end). */
  set(id: string, total: number): void {
    this.map.delete(id);
    this.map.set(id, total);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
