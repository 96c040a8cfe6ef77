/**
 * The two kinds of items the daemon delivers, usage events and tasks, and all that differs between them: one
 * row each. Queueing, batching, in-flight tracking, acks, splitting and retries are one generic path that reads
 * this table.
 */
import type { Task, TaskPayload, UsageEvent, UsagePayload } from '../../shared/schemas';
import type { Outbox } from './outbox';

interface ItemTypes {
  usage: { item: UsageEvent; payload: UsagePayload };
  task: { item: Task; payload: TaskPayload };
}
/** Also the Socket.IO event that carries the kind. */
export type ItemKind = keyof ItemTypes;
export type ItemOf<K extends ItemKind> = ItemTypes[K]['item'];
export type PayloadOf<K extends ItemKind> = ItemTypes[K]['payload'];

interface KindRow<K extends ItemKind> {
  /** The REST fallback's route. */
  route: string;
  payload(runtimeId: string, items: ItemOf<K>[]): PayloadOf<K>;
  take(outbox: Outbox, provider: string, max: number, skip: (item: object) => boolean): ItemOf<K>[];
  remove(outbox: Outbox, provider: string, sent: ItemOf<K>[]): void;
  /** The delivery stats counting items acknowledged and items the hub refused (dropped). */
  sent: 'events' | 'tasks';
  dropped: 'droppedEvents' | 'droppedTasks';
}

export const ITEM_KINDS: { readonly [K in ItemKind]: KindRow<K> } = {
  usage: {
    route: '/api/daemon/usage',
    payload: (runtime_id, events) => ({ runtime_id, events }),
    take: (outbox, provider, max, skip) => outbox.eventBatch(provider, max, skip),
    remove: (outbox, provider, sent) => outbox.removeEvents(provider, sent),
    sent: 'events',
    dropped: 'droppedEvents',
  },
  task: {
    route: '/api/daemon/tasks',
    payload: (runtime_id, tasks) => ({ runtime_id, tasks }),
    take: (outbox, provider, max, skip) => outbox.taskBatch(provider, max, skip),
    remove: (outbox, provider, sent) => outbox.removeTasks(provider, sent),
    sent: 'tasks',
    dropped: 'droppedTasks',
  },
};

/** Within a provider, usage goes first (it is what dashboards show), then tasks. */
export const DELIVERY_ORDER: readonly ItemKind[] = ['usage', 'task'];
