/**
 * The batch half of delivery, one path for usage events and tasks: picks a provider's next batch (items already
 * in flight left out), sends it, splitting a refused batch to isolate a bad item, and takes from the outbox what
 * was acknowledged or dropped. Decides when a refusal means the items are bad (dropped) rather than the hub's
 * state (retried by the caller).
 */
import type { WireError } from '../../shared/errors';
import type { Announcer } from './announcer';
import { sendSplitting } from './batch-send';
import { DELIVERY_ORDER, ITEM_KINDS, type ItemKind, type ItemOf } from './item-kinds';
import type { Logger } from './log';
import type { Outbox } from './outbox';
import type { Transport } from './transport';

/** After this many `internal` refusals in a row, the data itself is taken to be what the hub cannot store. */
const RETRYABLE_INTERNAL = 5;

export interface DeliveryStats {
  events: number;
  tasks: number;
  droppedEvents: number;
  droppedTasks: number;
  transport: 'socket' | 'rest' | 'none';
}

export type SendOutcome = 'sent' | 'nothing to send' | { error: WireError; what: ItemKind };

export interface ItemSenderOptions {
  outbox: Outbox;
  log: Logger;
  /** Updated in place as items are acknowledged or dropped. */
  stats: DeliveryStats;
  batchSize: number;
  /** Runtime ids to send for, and the hello generation a `not_found` is compared with. */
  announcer: Announcer;
  /** Called whenever an ack moves things forward. */
  onProgress: () => void;
}

export class ItemSender {
  /** Items of batches awaiting their ack: other workers take the next ones. */
  private readonly inflight = new WeakSet<object>();
  private internalStreak = 0;
  /** Hello generation at the first `not_found` since the last success (drop only after a newer hello). */
  private notFoundSince: number | undefined;

  constructor(private readonly o: ItemSenderOptions) {}

  /** Sends the next batch of the first provider with something waiting: usage first, then tasks. */
  async sendNext(t: Transport, providers: string[]): Promise<SendOutcome> {
    for (const provider of providers) {
      const runtimeId = this.o.announcer.runtimeIds.get(provider);
      if (!runtimeId) continue;
      for (const kind of DELIVERY_ORDER) {
        const sent = await this.sendBatchOf(kind, t, provider, runtimeId);
        if (sent !== 'nothing to send') return sent;
      }
    }
    return 'nothing to send';
  }

  private async sendBatchOf<K extends ItemKind>(
    kind: K,
    t: Transport,
    provider: string,
    runtimeId: string,
  ): Promise<SendOutcome> {
    const skip = (item: object) => this.inflight.has(item);
    const batch = ITEM_KINDS[kind].take(this.o.outbox, provider, this.o.batchSize, skip);
    if (batch.length === 0) return 'nothing to send';
    for (const item of batch) this.inflight.add(item);
    try {
      return await this.send(kind, t, provider, runtimeId, batch);
    } finally {
      for (const item of batch) this.inflight.delete(item);
    }
  }

  /** Sends a batch (splitting refused ones); a batch the hub still does not know after a new hello is dropped. */
  private async send<K extends ItemKind>(
    kind: K,
    t: Transport,
    provider: string,
    runtimeId: string,
    batch: ItemOf<K>[],
  ): Promise<SendOutcome> {
    const row = ITEM_KINDS[kind];
    const { log, stats } = this.o;
    const generation = this.o.announcer.generation;
    const done = (items: ItemOf<K>[], dropped: boolean) => {
      row.remove(this.o.outbox, provider, items);
      stats[dropped ? row.dropped : row.sent] += items.length;
    };
    const r = await sendSplitting(batch, (b) => t.send(kind, row.payload(runtimeId, b)), {
      acked: (b) => {
        log.debug({ what: kind, count: b.length }, 'acknowledged');
        done(b, false);
        this.internalStreak = 0;
        this.o.onProgress();
      },
      dropped: (b, error) => {
        log.warn({ error, item: b[0] }, `hub refused a ${kind} item; dropped`);
        done(b, true);
        this.o.onProgress();
      },
      poisoned: (e) => this.poisoned(e),
    });
    if (r.ok) {
      this.notFoundSince = undefined;
      return 'sent';
    }
    if (r.error.code === 'not_found') {
      if (this.notFoundSince !== undefined && generation > this.notFoundSince) {
        // Unknown even to a hello made after the first refusal: the hub will not take it (log and drop).
        log.warn({ error: r.error, count: batch.length }, `hub does not know the runtime; ${kind} dropped`);
        done(batch, true);
        return 'sent';
      }
      this.notFoundSince ??= generation;
    }
    return { error: r.error, what: kind };
  }

  /** True when a refusal means the items themselves are bad, so they are split and the bad one dropped. */
  private poisoned(e: WireError): boolean {
    if (e.code === 'invalid_payload' || e.code === 'too_large') return true;
    // A persistent internal error on the same data is treated like a refusal, so it cannot block forever.
    if (e.code !== 'internal' || ++this.internalStreak < RETRYABLE_INTERNAL) return false;
    this.internalStreak = 0;
    return true;
  }
}
