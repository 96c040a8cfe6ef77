/**
 * What has been read but not yet acknowledged by the hub, per provider: usage events by id (largest total
 * kept) and tasks by id (latest state kept). Persisted in the state file, so nothing read is lost offline.
 */
import type { Task, UsageEvent } from '../../shared/schemas';
import { totalOf } from '../../shared/tokens';
import { ProviderQueue } from './provider-queue';

export interface OutboxJson {
  events: Record<string, UsageEvent[]>;
  tasks: Record<string, Task[]>;
}

export class Outbox {
  private listeners: (() => void)[] = [];
  private readonly changed = () => {
    for (const fn of this.listeners) fn();
  };
  // An event id is a snapshot of one response: only a larger total is newer. A task's latest state always is.
  private readonly events = new ProviderQueue<UsageEvent>((w, e) => totalOf(e) > totalOf(w), this.changed);
  private readonly tasks = new ProviderQueue<Task>(() => true, this.changed);

  static fromJSON(json: OutboxJson | undefined): Outbox {
    const o = new Outbox();
    for (const [p, list] of Object.entries(json?.events ?? {})) for (const e of list) o.putEvent(p, e);
    for (const [p, list] of Object.entries(json?.tasks ?? {})) for (const t of list) o.putTask(p, t);
    return o;
  }

  toJSON(): OutboxJson {
    return { events: this.events.toJSON(), tasks: this.tasks.toJSON() };
  }

  /** Called whenever something is queued (the delivery loop wakes up). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Queues an event unless a version with a larger or equal total is already waiting. */
  putEvent(provider: string, event: UsageEvent): void {
    this.events.put(provider, event);
  }

  putTask(provider: string, task: Task): void {
    this.tasks.put(provider, task);
  }

  /** Up to `max` waiting events of a provider, oldest first, leaving out those `skip` says are taken. */
  eventBatch(provider: string, max: number, skip?: (item: object) => boolean): UsageEvent[] {
    return this.events.batch(provider, max, skip);
  }

  taskBatch(provider: string, max: number, skip?: (item: object) => boolean): Task[] {
    return this.tasks.batch(provider, max, skip);
  }

  /** Removes acknowledged (or dropped) events, unless a larger version replaced them meanwhile. */
  removeEvents(provider: string, sent: UsageEvent[]): void {
    this.events.remove(provider, sent);
  }

  removeTasks(provider: string, sent: Task[]): void {
    this.tasks.remove(provider, sent);
  }

  providers(): string[] {
    return [...new Set([...this.events.providers(), ...this.tasks.providers()])];
  }

  get eventCount(): number {
    return this.events.count;
  }

  get taskCount(): number {
    return this.tasks.count;
  }

  get size(): number {
    return this.eventCount + this.taskCount;
  }
}
