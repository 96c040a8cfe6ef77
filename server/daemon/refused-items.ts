/**
 * Items the hub refused for what they are (invalid, too large, or for a runtime it will not know). They leave the
 * outbox so they cannot block the rest, but they are never lost silently: each is kept in the state file with the
 * hub's answer, counted in the scan counters and reported. Bounded: the most recent `REFUSED_CAPACITY` are kept.
 */
import type { z } from 'zod';
import type { WireError } from '../../shared/errors';
import { Task, UsageEvent } from '../../shared/schemas';
import type { ItemKind } from './item-kinds';
import type { Outbox } from './outbox';
import { RefusedItemSchema } from './state-json';

export type RefusedItem = z.infer<typeof RefusedItemSchema>;

export const REFUSED_CAPACITY = 200;
/** The hub's message is kept whole up to this length (its messages are short; a proxy's page is not). */
const MESSAGE_MAX = 500;

export class RefusedItems {
  private list: RefusedItem[] = [];

  /** Reads back what an earlier run kept; entries of an unknown shape are left out. */
  static fromJSON(entries: unknown[]): RefusedItems {
    const r = new RefusedItems();
    r.list = entries.flatMap((e) => RefusedItemSchema.safeParse(e).data ?? []).slice(-REFUSED_CAPACITY);
    return r;
  }

  /** Keeps refused items (the oldest go once past capacity) and returns the entries made for them. */
  add(kind: ItemKind, provider: string, items: object[], error: WireError): RefusedItem[] {
    const at = new Date().toISOString();
    const message = error.message.slice(0, MESSAGE_MAX);
    const added = items.map((item) => ({
      at,
      provider,
      kind,
      code: error.code,
      message,
      item: item as RefusedItem['item'],
    }));
    this.list = [...this.list, ...added].slice(-REFUSED_CAPACITY);
    return added;
  }

  /** Puts every kept item back in the outbox to be sent again (after the hub was fixed); answers how many. */
  requeue(outbox: Outbox): number {
    for (const r of this.list) {
      if (r.kind === 'usage') {
        const event = UsageEvent.safeParse(r.item);
        if (event.success) outbox.putEvent(r.provider, event.data);
      } else {
        const task = Task.safeParse(r.item);
        if (task.success) outbox.putTask(r.provider, task.data);
      }
    }
    const n = this.list.length;
    this.list = [];
    return n;
  }

  get size(): number {
    return this.list.length;
  }

  toJSON(): RefusedItem[] {
    return this.list;
  }
}
