/**
 * Each live push (usage, and task for the hourly activity) counted once across refetches. A REST answer names
 * the Postgres snapshot it was read at and each push the transaction that committed it: a push is added to an
 * answer's data only when its commit is not visible in that snapshot. So a push delivered after an answer that
 * already holds it is not counted twice, and the pushes merged while a fetch was in flight (into the data it
 * replaces) are replayed onto its answer instead of being lost. A push without `commit` (an older hub) is merged
 * as it always was and never replayed.
 */
import type { UsagePush } from '../../../shared/schemas';
import { committedIn, type Snapshot } from '../../../shared/snapshot';

/** A push that may name the transaction that committed it (usage and task pushes). */
export interface Committed {
  commit?: string | undefined;
}

/** The pushes an answer read at `snapshot` does not hold yet (every push when the hub sent no snapshot). */
export function unseen<P extends Committed>(pushes: P[], snapshot: Snapshot | null | undefined): P[] {
  if (!snapshot) return pushes;
  const fresh = pushes.filter((p) => p.commit === undefined || !committedIn(p.commit, snapshot));
  return fresh.length === pushes.length ? pushes : fresh;
}

/** The pushes merged since a fetch was asked for: what its answer may lack. */
export interface Watch<P extends Committed = UsagePush> {
  /** The pushes with a `commit` merged since the watch opened, in order. */
  pushes(): P[];
  /** Stops keeping pushes for this watch (call once its answer is in, or dropped). */
  close(): void;
}

/** The most pushes kept for open watches (a burst of live pushes is tens a second). */
export const MAX_KEPT = 20_000;

/**
 * The pushes merged while any fetch is in flight. Kept only while some watch is open, and only from the oldest
 * open watch on, so the page holds no history of pushes when nothing is loading.
 */
export class PushLog<P extends Committed = UsagePush> {
  private kept: P[] = [];
  /** Position of kept[0] in the sequence of every push recorded. */
  private base = 0;
  /** Where each open watch started. */
  private readonly open = new Set<{ from: number }>();

  /** Records pushes being merged now. */
  record(pushes: readonly P[]): void {
    if (this.open.size === 0) return;
    // Without a commit a push cannot be told in or out of an answer: it keeps the old behaviour (no replay).
    for (const p of pushes) if (p.commit !== undefined) this.kept.push(p);
    // A fetch that never settles must not hold every later push: past the bound the oldest go (its answer, if it
    // ever comes, may then lack some; the next refetch after a reconnect makes it whole).
    if (this.kept.length > MAX_KEPT) {
      const drop = this.kept.length - MAX_KEPT;
      this.kept = this.kept.slice(drop);
      this.base += drop;
    }
  }

  /** Opens a watch: call just before the fetch is sent. */
  watch(): Watch<P> {
    const mark = { from: this.base + this.kept.length };
    this.open.add(mark);
    return {
      pushes: () => this.kept.slice(Math.max(0, mark.from - this.base)),
      close: () => {
        if (this.open.delete(mark)) this.trim();
      },
    };
  }

  private trim(): void {
    let oldest = this.base + this.kept.length;
    for (const w of this.open) oldest = Math.min(oldest, w.from);
    if (oldest <= this.base) return;
    this.kept = this.kept.slice(oldest - this.base);
    this.base = oldest;
  }
}
