/**
 * What has been read but not yet acknowledged by the hub, per provider: usage events by id (largest total
 * kept) and tasks by id (latest state kept). Persisted in the state file, so nothing read is lost offline.
 */
import type { Task, UsageEvent } from '../../shared/schemas';
import { totalOf } from '../../shared/tokens';

export interface OutboxJson {
  events: Record<string, UsageEvent[]>;
  tasks: Record<string, Task[]>;
}

function bucket<T>(all: Map<string, Map<string, T>>, provider: string): Map<string, T> {
  let m = all.get(provider);
  if (!m) {
    m = new Map();
    all.set(provider, m);
  }
  return m;
}

export class Outbox {
  private readonly events = new Map<string, Map<string, UsageEvent>>();
  private readonly tasks = new Map<string, Map<string, Task>>();
  private listeners: (() => void)[] = [];

  static fromJSON(json: OutboxJson | undefined): Outbox {
    const o = new Outbox();
    for (const [p, list] of Object.entries(json?.events ?? {})) for (const e of list) o.putEvent(p, e);
    for (const [p, list] of Object.entries(json?.tasks ?? {})) for (const t of list) o.putTask(p, t);
    return o;
  }

  toJSON(): OutboxJson {
    const json: OutboxJson = { events: {}, tasks: {} };
    for (const [p, m] of this.events) if (m.size) json.events[p] = [...m.values()];
    for (const [p, m] of this.tasks) if (m.size) json.tasks[p] = [...m.values()];
    return json;
  }

  /** Called whenever something is queued (the delivery loop wakes up). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Queues an event unless a version with a larger or equal total is already waiting. */
  putEvent(provider: string, event: UsageEvent): void {
    const m = bucket(this.events, provider);
    const old = m.get(event.id);
    if (old && totalOf(old) >= totalOf(event)) return;
    m.set(event.id, event);
    for (const fn of this.listeners) fn();
  }

  putTask(provider: string, task: Task): void {
    bucket(this.tasks, provider).set(task.id, task);
    for (const fn of this.listeners) fn();
  }

  /** Up to `max` waiting events of a provider, oldest first, leaving out those `skip` says are taken. */
  eventBatch(provider: string, max: number, skip?: (item: object) => boolean): UsageEvent[] {
    return take(this.events.get(provider), max, skip);
  }

  taskBatch(provider: string, max: number, skip?: (item: object) => boolean): Task[] {
    return take(this.tasks.get(provider), max, skip);
  }

  /** Removes acknowledged (or dropped) events, unless a larger version replaced them meanwhile. */
  removeEvents(provider: string, sent: UsageEvent[]): void {
    removeSame(this.events.get(provider), sent);
  }

  removeTasks(provider: string, sent: Task[]): void {
    removeSame(this.tasks.get(provider), sent);
  }

  providers(): string[] {
    const all = new Set<string>();
    for (const [p, m] of this.events) if (m.size) all.add(p);
    for (const [p, m] of this.tasks) if (m.size) all.add(p);
    return [...all];
  }

  get eventCount(): number {
    let n = 0;
    for (const m of this.events.values()) n += m.size;
    return n;
  }

  get taskCount(): number {
    let n = 0;
    for (const m of this.tasks.values()) n += m.size;
    return n;
  }

  get size(): number {
    return this.eventCount + this.taskCount;
  }
}

function take<T extends object>(
  m: Map<string, T> | undefined,
  max: number,
  skip?: (item: object) => boolean,
): T[] {
  const out: T[] = [];
  if (!m) return out;
  for (const v of m.values()) {
    if (out.length >= max) break;
    if (!skip?.(v)) out.push(v);
  }
  return out;
}

function removeSame<T extends { id: string }>(m: Map<string, T> | undefined, sent: T[]): void {
  if (!m) return;
  // Identity check: an entry replaced after the batch was taken is newer and must still be sent.
  for (const item of sent) if (m.get(item.id) === item) m.delete(item.id);
}
