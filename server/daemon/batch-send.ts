/**
 * Sending one batch so that a single bad item cannot block or sink the others: when the hub refuses a batch as
 * invalid (or too large), it is split in halves until the refused item is alone, and only that one is refused
 * (the caller keeps it aside).
 */
import type { Ack } from '../../shared/ack';
import type { WireError } from '../../shared/errors';

export interface BatchCallbacks<T> {
  acked(batch: T[]): void;
  dropped(batch: T[], error: WireError): void;
  /** True when this refusal means the items themselves are bad (not the hub's state). */
  poisoned(error: WireError): boolean;
}

export type BatchResult = { ok: true } | { ok: false; error: WireError };

export async function sendSplitting<T>(
  batch: T[],
  send: (batch: T[]) => Promise<Ack<unknown>>,
  cb: BatchCallbacks<T>,
): Promise<BatchResult> {
  const ack = await send(batch);
  if (ack.ok) {
    cb.acked(batch);
    return { ok: true };
  }
  if (!cb.poisoned(ack.error)) return { ok: false, error: ack.error };
  if (batch.length === 1) {
    cb.dropped(batch, ack.error);
    return { ok: true };
  }
  const half = Math.ceil(batch.length / 2);
  for (const part of [batch.slice(0, half), batch.slice(half)]) {
    const r = await sendSplitting(part, send, cb);
    if (!r.ok) return r;
  }
  return { ok: true };
}
