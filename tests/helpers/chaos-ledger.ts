/**
 * What the simulated daemons produced and what the hub acknowledged, event by event: the ground truth the fault
 * scenarios compare the database and the dashboards with. An event may be queued in several versions (a smaller
 * streaming snapshot first, then its final counts, sometimes re-sent unchanged); the final one must win.
 */
import type { Task, UsageEvent } from '../../shared/schemas';

export const COUNTS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'] as const;
export type Counts = Record<(typeof COUNTS)[number], number>;

export const totalOf = (c: Counts) =>
  c.input_tokens + c.output_tokens + c.cache_read_tokens + c.cache_write_tokens;

export const zeroCounts = (): Counts => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

export function addCounts(into: Counts, c: Counts, sign = 1): void {
  for (const k of COUNTS) into[k] += sign * c[k];
}

export interface EventRecord {
  /** Which simulated runtime: `<daemon index>/<provider>`. */
  runtime: string;
  final: UsageEvent;
  /** Versions queued (snapshots, final, unchanged re-sends). */
  versions: number;
  /** A version of it was handed to the delivery loop again: its first call's outcome was never learned. */
  retried: boolean;
  /** Largest total acknowledged ok:true, 0 when none. */
  ackedTotal: number;
  ackedAt: number;
}

export class Ledger {
  readonly events = new Map<string, EventRecord>();
  readonly tasks = new Map<string, { runtime: string; task: Task }>();
  /** (time, events acknowledged in that call), in order. */
  readonly acks: { at: number; events: number }[] = [];

  queued(runtime: string, event: UsageEvent, final: boolean): void {
    let rec = this.events.get(event.id);
    if (!rec) {
      rec = { runtime, final: event, versions: 0, retried: false, ackedTotal: 0, ackedAt: 0 };
      this.events.set(event.id, rec);
    }
    rec.versions++;
    if (final) rec.final = event;
  }

  queuedTask(runtime: string, task: Task): void {
    this.tasks.set(task.id, { runtime, task });
  }

  /** Counts per queued version (object): the outbox hands out the same object until it is acknowledged. */
  private readonly handouts = new WeakMap<UsageEvent, number>();

  handedOut(events: UsageEvent[]): void {
    for (const e of events) {
      const n = (this.handouts.get(e) ?? 0) + 1;
      this.handouts.set(e, n);
      const rec = this.events.get(e.id);
      if (rec && n > 1) rec.retried = true;
    }
  }

  acked(events: UsageEvent[]): void {
    const at = Date.now();
    this.acks.push({ at, events: events.length });
    for (const e of events) {
      const rec = this.events.get(e.id);
      if (!rec) continue;
      rec.ackedTotal = Math.max(rec.ackedTotal, totalOf(e));
      rec.ackedAt = at;
    }
  }

  /** Events acknowledged ok:true in [from, to). */
  ackedBetween(from: number, to: number): number {
    let n = 0;
    for (const a of this.acks) if (a.at >= from && a.at < to) n += a.events;
    return n;
  }

  /** Events whose final version was acknowledged. */
  get ackedFinal(): number {
    let n = 0;
    for (const rec of this.events.values()) if (rec.ackedTotal >= totalOf(rec.final)) n++;
    return n;
  }

  /** Events with a version sent more than once: a call whose ack never came may have committed anyway. */
  inDoubt(): EventRecord[] {
    return [...this.events.values()].filter((r) => r.retried);
  }
}
