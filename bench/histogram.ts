/**
 * A fixed-bucket histogram of durations in microseconds: 10 µs buckets up to 100 ms, 1 ms buckets up to 120 s.
 * Cheap to record in a hot receive loop, mergeable across processes, percentiles within one bucket.
 */

const FINE_LIMIT_US = 100_000;
const FINE_US = 10;
const COARSE_US = 1_000;
const FINE_BUCKETS = FINE_LIMIT_US / FINE_US;
const BUCKETS = FINE_BUCKETS + 120_000;

/** Sparse `[bucket, count]` pairs: how a histogram crosses a process boundary. */
export type SerializedHistogram = [number, number][];

export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;

  record(us: number): void {
    const v = Math.max(0, us);
    const b =
      v < FINE_LIMIT_US
        ? Math.floor(v / FINE_US)
        : FINE_BUCKETS + Math.floor((v - FINE_LIMIT_US) / COARSE_US);
    this.counts[Math.min(b, BUCKETS - 1)]! += 1;
    this.count++;
  }

  merge(s: SerializedHistogram): this {
    for (const [b, n] of s) {
      this.counts[b]! += n;
      this.count += n;
    }
    return this;
  }

  serialize(): SerializedHistogram {
    const out: SerializedHistogram = [];
    this.counts.forEach((n, b) => {
      if (n > 0) out.push([b, n]);
    });
    return out;
  }

  /** The upper edge of the bucket holding the p-th percentile, in milliseconds; null when empty. */
  percentileMs(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const upperUs =
          b < FINE_BUCKETS ? (b + 1) * FINE_US : FINE_LIMIT_US + (b - FINE_BUCKETS + 1) * COARSE_US;
        return upperUs / 1000;
      }
    }
    return null;
  }

  static from(...parts: SerializedHistogram[]): Histogram {
    const h = new Histogram();
    for (const p of parts) h.merge(p);
    return h;
  }
}
